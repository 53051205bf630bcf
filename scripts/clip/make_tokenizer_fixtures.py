#!/usr/bin/env python3
"""Token-id goldens for PEFTCLIP's tokenizer from transformers' AutoTokenizer (CLIPTokenizer, tokenizers-backed).

    /work/venv/bin/python scripts/clip/make_tokenizer_fixtures.py
writes Tests/PEFTCLIPTests/Fixtures/tokenizer_cases.json. With `--random N OUT` it also writes N random strings
(not committed) for the extended comparison test (`PEFTCLIP_TOKENIZER_EXTRA=OUT swift test ...`).
"""
import json
import os
import random
import sys
import tempfile

from tokenizers import Regex, pre_tokenizers
from transformers import AutoTokenizer

from clip_vocab import REPO, write_tokenizer_files

PATTERN = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""

HARD = [
    "a photo of a cat",
    "A PHOTO OF A DOG.",
    "",
    "   ",
    "\t\n\r\n",
    "naïve café résumé",
    "e\u0301cole de\u0301ja\u0300",
    "Ångström Ωmega \u2126hm",
    "İstanbul ΣΑΣ ŞEHİR",
    "straße ﬁne ﬂower",
    "😀👍🏽 🇫🇷 👨‍👩‍👧",
    "I ❤️ NY!!! :-) <3",
    "https://www.example.com/path?q=1&r=2#frag",
    "mailto:someone@example.org",
    "#ThrowbackThursday #NoFilter #100DaysOfCode",
    "@elonmusk @user_name123 hi",
    "1234567890 3.14159 -42 1e10 1,000,000",
    "²³½ ⅷ ٣٤٥ ４５",
    "&amp; &lt;b&gt; &quot;hi&quot; &#39;x&#39; &nbsp;",
    "<b>bold</b> <a href='x'>link</a>",
    "你好，世界！这是一个测试。",
    "日本語のテキストとカタカナ",
    "한국어 문장입니다",
    "Привет, мир! Ёжик",
    "مرحبا بالعالم",
    "שלום עולם",
    "ไทย ภาษา",
    "हिन्दी भाषा",
    "don't won't I'm you're we've they'll she'd it's",
    "DON'T I'M YOU'RE",
    "''s x'''ll rock'n'roll ’s",
    "a\u00a0b c\u2003d\u200be\u3000f\u1680g\u0085h",
    "zero\u200dwidth\ufeffbom\u180emongolian",
    "tab\tseparated\tvalues\nnew line",
    "Hello <|endoftext|> world",
    "x<|startoftext|>y<|endoftext|>",
    "HELLO <|ENDOFTEXT|> <|startoftext",
    "!<|endoftext|>",
    "<|endoftext|>\u0a71x a<|startoftext|>\u0301b",
    "sarcasm?! yeah... right... #sarcasm 🙄🙄🙄",
    "~`!@#$%^&*()_+-={}[]|\\:;\"'<>,.?/",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    " ".join(["word"] * 100),
    "The quick brown fox jumps over the lazy dog. " * 8,
    "\u0000control\u0001chars\u007f",
    "emoji🙂inside😂words",
    "C++ C# .NET node.js",
    "₿itcoin €100 £5 ¥1000 $9.99",
    "ǅungla Ǆ ǈ",
    "a" + "\u0301" * 5,
]


def main():
    with tempfile.TemporaryDirectory() as directory:
        write_tokenizer_files(directory)
        with open(os.path.join(directory, "config.json"), "w") as handle:
            json.dump({"model_type": "clip"}, handle)
        tokenizer = AutoTokenizer.from_pretrained(directory)
        cases = []
        for text in HARD:
            cases.append({"text": text, "ids": tokenizer(text, truncation=True, max_length=77)["input_ids"],
                          "untruncated": tokenizer(text)["input_ids"]})
        batch_texts = ["a b", "a longer sentence here", ""]
        batch = tokenizer(batch_texts, padding=True, truncation=True, max_length=77)
        out = {"generator": "scripts/clip/make_tokenizer_fixtures.py", "cases": cases,
               "batch": {"texts": batch_texts, "ids": batch["input_ids"], "attention_mask": batch["attention_mask"]},
               "classes": character_classes()}
        target = os.path.join(REPO, "Tests", "PEFTCLIPTests", "Fixtures", "tokenizer_cases.json")
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(out, handle, ensure_ascii=False, indent=0)
        print(f"wrote {len(cases)} cases to {target}")
        if len(sys.argv) == 4 and sys.argv[1] == "--random":
            write_random(tokenizer, int(sys.argv[2]), sys.argv[3])


def character_classes():
    """Ranges [first, last, class] of every non-ASCII code point the pre-tokenizer's regex sees as a letter (L),
    number (N) or white space (S); all others are "other". Probed through tokenizers' own Split pre-tokenizer."""
    split = pre_tokenizers.Split(Regex(PATTERN), behavior="removed", invert=True)
    ranges = []
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        around_letters = len(split.pre_tokenize_str("a" + c + "a"))
        if around_letters == 1:
            cls = "L"
        elif around_letters == 2:
            cls = "S"
        elif len(split.pre_tokenize_str("!" + c + "!")) == 1:
            continue
        else:
            cls = "N"
        if ranges and ranges[-1][2] == cls and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp, cls])
    return ranges


def write_random(tokenizer, count, target):
    """Random strings mixing ASCII words, punctuation, digits, accents, CJK, emoji and odd white space."""
    rng = random.Random(1234)
    alphabet = (list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 4
                + list(" .,!?'\"-#@&;:/()[]") * 3 + list("éèàüößçñÅØ") + list("你好世界日本語한국")
                + ["😀", "🙄", "👍🏽", "\u00a0", "\u2003", "\t", "\n", "\u0301", "’", "…", "²"])
    words = ["photo", "sarcasm", "the", "great", "news", "love", "monday", "mornings", "http://t.co/x", "#blessed",
             "don't", "it's", "LOL", "2024", "emoji", "<|endoftext|>"]
    rows = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.5:
                parts.append(rng.choice(words))
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))))
        text = " ".join(parts)
        if rng.random() < 0.3:
            text += "".join(chr(cp) for cp in (rng.choice([rng.randint(0xA0, 0x2FFF), rng.randint(0x3000, 0xD7FF),
                                                            rng.randint(0x10000, 0x1FAFF)]) for _ in range(8)))
        rows.append({"text": text, "untruncated": tokenizer(text)["input_ids"]})
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(rows, handle, ensure_ascii=False)
    print(f"wrote {count} random cases to {target}")


if __name__ == "__main__":
    main()
