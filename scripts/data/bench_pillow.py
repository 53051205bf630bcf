#!/usr/bin/env python3
"""Time Pillow + transformers' CLIPImageProcessor (Pillow backend) on the same files `peftlab preprocess --bench`
times, so the two throughputs can be compared.

Per image: Image.open (from bytes already in memory) → ImageOps.exif_transpose → processor(image) with the given
shortest edge / crop (OpenAI CLIP defaults otherwise). Work is split over --workers processes (Python threads would
serialise on the GIL); the best of --repeats passes is reported in images per second.

    /work/venv-data/bin/python scripts/data/bench_pillow.py --workers 2 data/sarcasm/images
"""
import argparse
import io
import os
import sys
import time
from multiprocessing import Pool

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

_processor = None


def _init(size):
    global _processor
    try:
        from transformers import CLIPImageProcessorPil as Processor
    except ImportError:
        from transformers import CLIPImageProcessor as Processor
    _processor = Processor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})


def _work(chunk):
    from PIL import Image, ImageOps
    for data in chunk:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        _processor(image, return_tensors="np")
    return len(chunk)


def files_from(paths):
    out = []
    for path in paths:
        if os.path.isdir(path):
            out += [os.path.join(path, n) for n in sorted(os.listdir(path))
                    if n.lower().endswith((".jpg", ".jpeg", ".png"))]
        else:
            out.append(path)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="image files or directories")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", type=int, default=224, help="shortest edge and square crop")
    args = parser.parse_args()
    files = files_from(args.paths)
    blobs = [open(f, "rb").read() for f in files]
    chunks = [blobs[i::args.workers] for i in range(args.workers)]
    with Pool(args.workers, initializer=_init, initargs=(args.size,)) as pool:
        pool.map(_work, [c[:2] for c in chunks])  # warm up imports in every worker
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            done = sum(pool.map(_work, chunks))
            best = min(best, time.perf_counter() - start)
    assert done == len(blobs)
    print(f"Pillow + CLIPImageProcessor ({args.size} px)                {len(blobs) / best:12.1f} images/s"
          f"   ({len(blobs)} files, {args.workers} processes, best of {args.repeats})")


if __name__ == "__main__":
    sys.exit(main())
