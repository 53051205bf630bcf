#!/usr/bin/env python3
"""Derive Hugging Face's CLIP `merges.txt` from OpenAI's `bpe_simple_vocab_16e6.txt.gz`.

The gz file (MIT licence) ships inside the PyPI wheel `open_clip_torch` as
`open_clip/bpe_simple_vocab_16e6.txt.gz`. Get it with:

    pip download --no-deps open_clip_torch -d /tmp/oc
    python3 scripts/clip/make_merges.py /tmp/oc/open_clip_torch-*.whl Sources/PEFTCLIP/Resources/merges.txt

CLIP uses the first 49152 - 256 - 2 = 48894 merges (see open_clip's SimpleTokenizer); the vocabulary is the 256
byte symbols, the same 256 with `</w>`, one token per merge, then `<|startoftext|>` and `<|endoftext|>`
(49408 tokens). `CLIPVocabulary.make(merges:)` in PEFTCLIP rebuilds vocab.json from this file.
"""
import gzip
import io
import sys
import zipfile

MERGE_COUNT = 49152 - 256 - 2


def main(source: str, target: str) -> None:
    if source.endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            raw = wheel.read("open_clip/bpe_simple_vocab_16e6.txt.gz")
    else:
        with open(source, "rb") as handle:
            raw = handle.read()
    lines = gzip.GzipFile(fileobj=io.BytesIO(raw)).read().decode("utf-8").split("\n")
    merges = lines[1:MERGE_COUNT + 1]
    assert len(merges) == MERGE_COUNT and all(len(m.split()) == 2 for m in merges)
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        out.write("#version: 0.2\n")
        out.write("\n".join(merges))
        out.write("\n")
    print(f"wrote {len(merges)} merges to {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_merges.py <open_clip wheel or bpe_simple_vocab_16e6.txt.gz> <merges.txt>")
    main(sys.argv[1], sys.argv[2])
