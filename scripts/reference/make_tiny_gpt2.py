"""Writes Tests/PEFTLMTests/Fixtures/tiny_gpt2/: a tiny random-init GPT-2 saved by transformers, and goldens.

The tokenizer is a byte-level BPE (GPT-2's format: vocab.json + merges.txt) trained offline by `tokenizers` on a
small corpus; the model is `GPT2LMHeadModel(GPT2Config(...))` with seed 0. `goldens.json` holds what transformers
produces: token ids of hard strings (`GPT2TokenizerFast.from_pretrained`), decoded text, the full logits of one
prompt, and greedy generations (`generate(do_sample=False)`) with the smallest top-1/top-2 logit gap seen, so a
reader can see that 1e-4 agreement decides every argmax.

Run from the repo root: /work/venv/bin/python scripts/reference/make_tiny_gpt2.py (a few seconds, deterministic).
"""
import json
import os

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast
import transformers
import tokenizers

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "PEFTLMTests", "Fixtures", "tiny_gpt2")
OUT = os.path.normpath(OUT)

CORPUS = [
    "i thought the movie was amazing", "honestly the plot was terrible", "to me the acting felt okay",
    "the ending was brilliant overall", "i found the soundtrack dull", "the pacing was not fantastic at all",
    "i would not say the dialogue was nice", "The sentiment is positive.", "The sentiment is negative.",
    "The score is -1.4 and the label is 3.", "Numbers: 0 1 2 3 4 5 6 7 8 9 10 2026 3.14",
    "It's what they'd've wanted, isn't it? We're sure you'll see.", "Hello, World! HELLO world...",
    "  indented line\n\tand a tab", "emoji 😀 and café, naïve, Ωmega", "<tag> [brackets] {braces} (parens)",
] * 20

HARD = [
    "", "hello", "Hello world", " leading space", "trailing space ", "two  spaces", "three   spaces here",
    "tab\tand\nnewline\n\nblank", "It's they'll we've I'm you'd she's don't", "it' s ' s", "'s's'S",
    "numbers 12345 and 3.14159 and -7", "UPPER lower MiXeD", "punctuation!!! ??? ... ,,,",
    "café naïve Ωmega 😀 日本語", "a<|endoftext|>b", "<|endoftext|>", "  \n  ", "x\r\ny", "The sentiment is",
    "i thought the movie was amazing. The sentiment is 2.4",
]

PROMPTS = ["i thought the movie was", "The sentiment is", "Hello"]


def main():
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=420, min_frequency=2, special_tokens=["<|endoftext|>"],
                            show_progress=False)
    bpe.save_model(OUT)
    tok = GPT2TokenizerFast.from_pretrained(OUT)
    eos = tok.convert_tokens_to_ids("<|endoftext|>")
    config = GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=2, n_head=4, n_inner=None,
                        activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                        layer_norm_epsilon=1e-5, initializer_range=0.2, bos_token_id=eos, eos_token_id=eos)
    model = GPT2LMHeadModel(config).eval()
    model.save_pretrained(OUT, safe_serialization=True)
    tok.save_pretrained(OUT)
    for extra in ["tokenizer.json", "special_tokens_map.json", "generation_config.json"]:
        path = os.path.join(OUT, extra)
        if os.path.exists(path) and extra != "generation_config.json":
            os.remove(path)

    goldens = {"made_by": "scripts/reference/make_tiny_gpt2.py",
               "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                            "tokenizers": tokenizers.__version__},
               "eos_token_id": eos, "tokenizer": [], "logits": None, "greedy": []}
    for text in HARD:
        ids = tok(text)["input_ids"]
        goldens["tokenizer"].append({"text": text, "ids": ids, "decoded": tok.decode(ids)})
    with torch.no_grad():
        ids = tok(PROMPTS[0], return_tensors="pt")["input_ids"]
        logits = model(ids).logits[0]
        goldens["logits"] = {"prompt": PROMPTS[0], "ids": ids[0].tolist(), "shape": list(logits.shape),
                             "values": [round(float(v), 7) for v in logits.flatten()]}
        for prompt in PROMPTS:
            ids = tok(prompt, return_tensors="pt")["input_ids"]
            out = model.generate(ids, max_new_tokens=12, do_sample=False, num_beams=1, pad_token_id=eos,
                                 return_dict_in_generate=True, output_scores=True)
            gaps = []
            for step in out.scores:
                top = torch.topk(step[0], 2).values
                gaps.append(float(top[0] - top[1]))
            new = out.sequences[0, ids.shape[1]:].tolist()
            goldens["greedy"].append({"prompt": prompt, "prompt_ids": ids[0].tolist(), "new_ids": new,
                                      "text": tok.decode(new), "min_top2_gap": min(gaps)})
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        json.dump(goldens, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for g in goldens["greedy"]:
        print(g["prompt"], g["new_ids"], repr(g["text"]), "gap", round(g["min_top2_gap"], 5))


if __name__ == "__main__":
    main()
