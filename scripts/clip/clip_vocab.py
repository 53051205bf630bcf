"""Shared helpers for the CLIP fixture scripts: the bundled merges and the vocabulary derived from them."""
import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MERGES = os.path.join(REPO, "Sources", "PEFTCLIP", "Resources", "merges.txt")


def bytes_to_unicode():
    """GPT-2/CLIP's byte -> printable character map, in CLIP's vocabulary order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def read_merges():
    with open(MERGES, encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    return [tuple(line.split()) for line in lines[1:] if line]


def vocabulary(merges):
    """CLIP's 49408 tokens in id order (same rule as CLIPVocabulary.make in Swift)."""
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges]
    return tokens + ["<|startoftext|>", "<|endoftext|>"]


def write_tokenizer_files(directory):
    """Writes vocab.json and merges.txt (and a minimal tokenizer_config.json) into `directory`."""
    merges = read_merges()
    tokens = vocabulary(merges)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as handle:
        json.dump({t: i for i, t in enumerate(tokens)}, handle, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as handle:
        handle.write("#version: 0.2\n" + "\n".join(" ".join(m) for m in merges) + "\n")
