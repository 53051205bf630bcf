#!/usr/bin/env python3
"""Generate PEFTData's image fixtures and Pillow + transformers golden outputs.

Writes small JPEG/PNG fixtures covering the decoder's cases (odd sizes, portrait/landscape, grey, palette,
alpha, 16-bit, CMYK, EXIF-rotated, progressive, interlaced) to Tests/PEFTDataTests/Fixtures/images/, then for
each fixture the reference outputs of Pillow and transformers' CLIPImageProcessor (Pillow backend) to
Tests/PEFTDataTests/Fixtures/golden/:

  <name>.decoded.npy                uint8 [H, W, 3]   ImageOps.exif_transpose(Image.open(f)).convert("RGB")
                                                      (photo224 fixtures: only its SHA-256 in golden.json)
  <name>.<config>.resized.npy       uint8 [h, w, 3]   Pillow bicubic resize to transformers' output size
                                                      (clip224: .resized.png, lossless, to stay small)
  <name>.se32.pixels.npy            float32 [3, H, W] CLIPImageProcessor(...)(decoded RGB image)["pixel_values"]
  <name>.se32.composite.npy         float32 [3, H, W] same, fed the image with its alpha (transformers >= 5
                                                      composites alpha on white); alpha fixtures only
  <name>.<config>.sample.npy        float32 [N]       every 7th (se44c40x36) or 97th (clip224) tensor value

golden.json lists the cases. Run from the repository root:
    /work/venv-data/bin/python scripts/data/make_golden.py
(needs: pip install pillow numpy transformers; torch is not needed).
"""
import hashlib
import json
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
import transformers  # noqa: E402

try:
    from transformers import CLIPImageProcessorPil as Processor  # transformers >= 5
except ImportError:  # transformers 4.x: the Pillow implementation is CLIPImageProcessor itself
    from transformers import CLIPImageProcessor as Processor
from transformers.image_transforms import get_resize_output_image_size  # noqa: E402

ROOT = os.path.join("Tests", "PEFTDataTests", "Fixtures")
IMAGES = os.path.join(ROOT, "images")
GOLDEN = os.path.join(ROOT, "golden")
CONFIGS = os.path.join(ROOT, "configs")

rng = np.random.RandomState(20240607)


def scene(width, height, seed, noise=12.0):
    """A photo-like test pattern: gradients, a sinusoid, hard-edged shapes (for overshoot) and noise."""
    r = np.random.RandomState(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    base = np.stack([
        255 * x / max(width - 1, 1),
        255 * y / max(height - 1, 1),
        127 + 120 * np.sin(x / 5.0 + y / 7.0),
    ], axis=-1)
    for _ in range(4):
        x0, y0 = r.randint(0, width), r.randint(0, height)
        w, h = r.randint(3, max(4, width // 2)), r.randint(3, max(4, height // 2))
        base[y0:y0 + h, x0:x0 + w] = r.randint(0, 256, size=3)
    base += r.normal(0, noise, size=base.shape)
    return np.clip(base, 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def raw_png(width, height, color_type, bit_depth, rows, interlace=False, extra=b""):
    """A PNG written by hand (Pillow cannot write 16-bit RGB(A), packed grey or interlaced files)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
            + png_chunk(b"IDAT", zlib.compress(rows, 9)) + png_chunk(b"IEND", b""))


def scanlines(array_rows):
    return b"".join(b"\x00" + row for row in array_rows)


def adam7(pixels, bytes_per_pixel):
    """Adam7 pass data (filter 0) for an 8-bit [H, W, C] array."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    out = b""
    for xs, ys, dx, dy in passes:
        sub = pixels[ys::dy, xs::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        out += scanlines(sub[i].tobytes() for i in range(sub.shape[0]))
    return out


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def make_images():
    os.makedirs(IMAGES, exist_ok=True)
    made = {}

    def save(name, image, **kwargs):
        path = os.path.join(IMAGES, name)
        image.save(path, **kwargs)
        made[name] = path

    def write(name, data):
        path = os.path.join(IMAGES, name)
        with open(path, "wb") as f:
            f.write(data)
        made[name] = path

    rgb = lambda w, h, s: Image.fromarray(scene(w, h, s))
    save("landscape_odd.jpg", rgb(97, 61, 1), quality=90)
    save("portrait_odd.jpg", rgb(45, 83, 2), quality=85)
    save("progressive.jpg", rgb(120, 90, 3), quality=80, progressive=True)
    save("subsampling444.jpg", rgb(53, 47, 4), quality=95, subsampling=0)
    save("subsampling422.jpg", rgb(66, 40, 5), quality=92, subsampling=1)
    save("grey.jpg", rgb(70, 50, 6).convert("L"), quality=90)
    cmyk = np.concatenate([scene(64, 48, 7), scene(64, 48, 8)[..., :1]], axis=-1)
    save("cmyk.jpg", Image.fromarray(cmyk, "CMYK"), quality=90)
    for orientation in (2, 3, 5, 6, 7, 8):
        save(f"exif{orientation}.jpg", rgb(37, 23, 10 + orientation), quality=90, exif=exif_bytes(orientation))
    save("tiny.jpg", rgb(20, 15, 17), quality=90)

    save("rgb.png", rgb(59, 43, 20))
    save("grey.png", rgb(33, 71, 21).convert("L"))
    rgba = np.concatenate([scene(60, 45, 22), scene(60, 45, 23)[..., :1]], axis=-1)
    rgba[:10, :10, 3] = 0
    rgba[10:20, :10, 3] = 255
    save("rgba.png", Image.fromarray(rgba, "RGBA"))
    la = np.stack([scene(41, 37, 24)[..., 0], scene(41, 37, 25)[..., 1]], axis=-1)
    save("grey_alpha.png", Image.fromarray(la, "LA"))
    palette = rgb(50, 37, 26).quantize(colors=200)
    save("palette.png", palette)
    palette_t = rgb(47, 39, 27).quantize(colors=16)
    save("palette_trns4.png", palette_t, bits=4, transparency=3)
    save("bilevel.png", rgb(29, 31, 28).convert("1"))
    save("exif8.png", rgb(31, 22, 29), exif=exif_bytes(8))

    wide = (scene(41, 29, 30).astype(np.uint16) * 257 + rng.randint(0, 257, size=(29, 41, 3))).astype(">u2")
    write("rgb16.png", raw_png(41, 29, 2, 16, scanlines(wide[i].tobytes() for i in range(29))))
    wide_a = np.concatenate([wide, (scene(41, 29, 31)[..., :1].astype(np.uint16) * 257).astype(">u2")], axis=-1)
    write("rgba16.png", raw_png(41, 29, 6, 16, scanlines(wide_a[i].tobytes() for i in range(29))))
    grey16 = (np.arange(35 * 27).reshape(27, 35) * 3).astype(">u2")  # values 0..2832: Pillow saturates > 255
    write("grey16.png", raw_png(35, 27, 0, 16, scanlines(grey16[i].tobytes() for i in range(27))))
    grey4 = scene(38, 21, 32)[..., 0] >> 4
    packed = [bytes(((row[i] << 4) | (row[i + 1] if i + 1 < len(row) else 0)) for i in range(0, len(row), 2))
              for row in grey4]
    write("grey4.png", raw_png(38, 21, 0, 4, scanlines(packed)))
    inter = scene(43, 35, 33)
    write("interlaced.png", raw_png(43, 35, 2, 8, adam7(inter, 3), interlace=True))
    trns = struct.pack(">HHH", 0, 0, 0)
    keyed = scene(30, 26, 34)
    keyed[5:12, 5:12] = 0
    write("rgb_trns.png", raw_png(30, 26, 2, 8, scanlines(keyed[i].tobytes() for i in range(26)),
                                  extra=png_chunk(b"tRNS", trns)))

    smooth = lambda w, h, s: Image.fromarray(scene(w, h, s, noise=2.0))
    save("photo224_landscape.jpg", smooth(260, 230, 40), quality=88)
    save("photo224_portrait.png", smooth(230, 300, 41))
    save("photo224_progressive.jpg", smooth(300, 240, 42), quality=85, progressive=True)
    return made


CONFIGS_SMALL = {
    "se32": dict(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
    "se44c40x36": dict(size={"shortest_edge": 44}, crop_size={"height": 40, "width": 36}),
}
CONFIG_224 = dict(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224})


def load_pillow(path):
    return ImageOps.exif_transpose(Image.open(path))


def has_alpha(image):
    return "A" in image.getbands() or image.info.get("transparency") is not None


def reference_resize(rgb_image, shortest_edge):
    """What CLIPImageProcessor's resize step produces, via transformers' own size rule and Pillow."""
    array = np.array(rgb_image)
    height, width = get_resize_output_image_size(array, size=shortest_edge, default_to_square=False,
                                                 input_data_format="channels_last")
    return np.array(rgb_image.resize((width, height), resample=Image.BICUBIC))


def resize_grid():
    """One source image resized to random sizes (both pass orders, ties of Pillow's order rule, up- and
    downscaling) with every convolution filter; all outputs concatenated into resize_grid.npy."""
    source = scene(41, 33, 50)
    Image.fromarray(source).save(os.path.join(GOLDEN, "resize_grid_source.png"))
    r = np.random.RandomState(51)
    targets = [(int(r.randint(4, 60)), int(r.randint(4, 60)), 3) for _ in range(24)]
    targets += [(40, 31, 3), (39, 29, 3), (41, 20, 3), (20, 33, 3), (70, 12, 3), (12, 70, 3)]
    targets += [(29, 23, f) for f in (1, 2, 4, 5)] + [(57, 45, f) for f in (1, 2, 4, 5)]
    outputs, entries = [], []
    for width, height, resample in targets:
        out = np.array(Image.fromarray(source).resize((width, height), resample=resample))
        entries.append({"width": width, "height": height, "resample": resample})
        outputs.append(out.reshape(-1))
    np.save(os.path.join(GOLDEN, "resize_grid.npy"), np.concatenate(outputs))
    return {"source": "resize_grid_source.png", "outputs": "resize_grid.npy", "targets": entries}


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    os.makedirs(CONFIGS, exist_ok=True)
    images = make_images()
    processors = {}
    for name, kwargs in list(CONFIGS_SMALL.items()) + [("clip224", CONFIG_224)]:
        processor = Processor(**kwargs)
        processors[name] = (processor, kwargs["size"]["shortest_edge"])
        with open(os.path.join(CONFIGS, f"{name}.json"), "w") as f:
            json.dump(processor.to_dict(), f, indent=2, sort_keys=True)

    cases = []
    for name in sorted(images):
        path = images[name]
        image = load_pillow(path)
        # Pillow keeps a colour-key "transparency" through convert("RGB"); rebuild from the array so the
        # processor sees plain RGB (Pillow's drop-alpha semantics) rather than compositing again.
        decoded = Image.fromarray(np.array(image.convert("RGB")))
        case = {"image": name, "mode": image.mode, "alpha": has_alpha(image), "configs": [],
                "decoded_shape": list(np.array(decoded).shape),
                "decoded_sha256": hashlib.sha256(np.array(decoded).tobytes()).hexdigest()}
        if not name.startswith("photo224"):
            np.save(os.path.join(GOLDEN, f"{name}.decoded.npy"), np.array(decoded))
            case["decoded"] = f"{name}.decoded.npy"
        selected = ["clip224"] if name.startswith("photo224") else list(CONFIGS_SMALL)
        for config in selected:
            processor, edge = processors[config]
            pixels = processor(decoded, return_tensors="np")["pixel_values"][0].astype(np.float32)
            resized = reference_resize(decoded, edge)
            # Cross-check: the reference resize + crop + normalise reproduces the processor's output.
            crop_h, crop_w = processor.crop_size["height"], processor.crop_size["width"]
            top, left = (resized.shape[0] - crop_h) // 2, (resized.shape[1] - crop_w) // 2
            if top >= 0 and left >= 0:
                crop = resized[top:top + crop_h, left:left + crop_w].astype(np.float64) * processor.rescale_factor
                crop = crop.astype(np.float32)
                mean = np.array(processor.image_mean, dtype=np.float32)
                std = np.array(processor.image_std, dtype=np.float32)
                again = ((crop - mean) / std).transpose(2, 0, 1)
                assert np.array_equal(again, pixels), f"{name}/{config}: reference pipeline disagrees"
            if config == "clip224":
                # Stored losslessly as PNG to stay small; the test reads it with the (separately verified) decoder.
                Image.fromarray(resized).save(os.path.join(GOLDEN, f"{name}.{config}.resized.png"), optimize=True)
                entry = {"name": config, "resized": f"{name}.{config}.resized.png"}
            else:
                np.save(os.path.join(GOLDEN, f"{name}.{config}.resized.npy"), resized)
                entry = {"name": config, "resized": f"{name}.{config}.resized.npy"}
            if config == "clip224":
                np.save(os.path.join(GOLDEN, f"{name}.{config}.sample.npy"), pixels.reshape(-1)[::97].copy())
                entry["sample"] = f"{name}.{config}.sample.npy"
                entry["sample_stride"] = 97
            elif config != "se32":
                np.save(os.path.join(GOLDEN, f"{name}.{config}.sample.npy"), pixels.reshape(-1)[::7].copy())
                entry["sample"] = f"{name}.{config}.sample.npy"
                entry["sample_stride"] = 7
            else:
                np.save(os.path.join(GOLDEN, f"{name}.{config}.pixels.npy"), pixels)
                entry["pixels"] = f"{name}.{config}.pixels.npy"
                if case["alpha"]:
                    composite = processor(image, return_tensors="np")["pixel_values"][0].astype(np.float32)
                    np.save(os.path.join(GOLDEN, f"{name}.{config}.composite.npy"), composite)
                    entry["composite"] = f"{name}.{config}.composite.npy"
            case["configs"].append(entry)
        cases.append(case)

    with open(os.path.join(GOLDEN, "golden.json"), "w") as f:
        json.dump({"pillow": Image.__version__, "transformers": transformers.__version__,
                   "numpy": np.__version__, "cases": cases, "resize_grid": resize_grid()}, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, n)) for d in (IMAGES, GOLDEN, CONFIGS) for n in os.listdir(d))
    print(f"{len(cases)} fixtures, {total / 1e6:.2f} MB in {ROOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
