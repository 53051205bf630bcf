#!/usr/bin/env python3
"""Golden outputs of transformers' CLIPModel for PEFTCLIP's model tests, and a check of PEFTLab-saved backbones.

    /work/venv/bin/python scripts/clip/make_goldens.py
        builds two small random-init CLIP checkpoints (perturbed norms and biases, non-default eps and projection
        width, reduced vocabularies), runs them on fixed inputs and writes, per model, under
        Tests/PEFTCLIPTests/Fixtures/<name>/:
          config.json, model.safetensors   the checkpoint (save_pretrained(safe_serialization=True));
                                           `tiny_gelu_f16` is stored as float16 (weights are fp16-exact)
          inputs.json                      token ids, attention mask
          goldens.safetensors              pixel_values, per-layer hidden states, pooled outputs, embeddings, logits

    /work/venv/bin/python scripts/clip/make_goldens.py --check-peftlab DIR
        loads a backbone directory written by PEFTLab (see CLIPExportTests) with transformers' CLIPModel and
        AutoTokenizer, recomputes the embeddings PEFTLab stored in DIR/peftlab_outputs.safetensors for the inputs in
        DIR/peftlab_inputs.json, and checks ids and embeddings agree (max abs diff <= 1e-4).

    /work/venv/bin/python scripts/clip/make_goldens.py --check-embed DIR OUT.jsonl
        checks the output of `peftlab embed --backbone DIR ... > OUT.jsonl` line by line against transformers
        (CLIPImageProcessor + get_image_features, AutoTokenizer + get_text_features; normalised when the stored
        vectors have unit norm).
"""
import json
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, CLIPConfig, CLIPModel

from clip_vocab import REPO

FIXTURES = os.path.join(REPO, "Tests", "PEFTCLIPTests", "Fixtures")

MODELS = {
    # quick_gelu, text 64 wide / vision 48 wide, 2 layers, 4 heads, eps 1e-6, eos_token_id pooling (first eos).
    "tiny_quickgelu": dict(
        dtype=torch.float32,
        projection_dim=40, logit_scale_init_value=2.0,
        text_config=dict(vocab_size=400, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77, hidden_act="quick_gelu",
                         layer_norm_eps=1e-6, bos_token_id=398, eos_token_id=399, pad_token_id=1, projection_dim=40),
        vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8, hidden_act="quick_gelu", layer_norm_eps=1e-6,
                           projection_dim=40),
        image_size=32, lengths=[9, 5, 12],
    ),
    # exact gelu, text 96 wide / 6 heads, vision 64 wide / 4 heads, 3 layers, eps 3e-5, 40 positions, legacy
    # eos_token_id == 2 (argmax pooling), stored as float16.
    "tiny_gelu_f16": dict(
        dtype=torch.float16,
        projection_dim=24, logit_scale_init_value=3.0,
        text_config=dict(vocab_size=256, hidden_size=96, intermediate_size=160, num_hidden_layers=3,
                         num_attention_heads=6, max_position_embeddings=40, hidden_act="gelu",
                         layer_norm_eps=3e-5, bos_token_id=254, eos_token_id=2, pad_token_id=1, projection_dim=24),
        vision_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
                           image_size=24, patch_size=8, hidden_act="gelu", layer_norm_eps=3e-5, projection_dim=24),
        image_size=24, lengths=[7, 16, 3],
    ),
}


def build(name, spec, seed):
    torch.manual_seed(seed)
    config = CLIPConfig(text_config=spec["text_config"], vision_config=spec["vision_config"],
                        projection_dim=spec["projection_dim"], logit_scale_init_value=spec["logit_scale_init_value"])
    model = CLIPModel(config).eval()
    with torch.no_grad():
        for key, param in model.named_parameters():
            if "layer_norm" in key or "layrnorm" in key:
                if key.endswith("weight"):
                    param.copy_(1 + 0.2 * torch.randn_like(param))
                else:
                    param.copy_(0.1 * torch.randn_like(param))
            elif key.endswith(".bias"):
                param.copy_(0.05 * torch.randn_like(param))
            if spec["dtype"] == torch.float16:
                param.copy_(param.half().float())
    return model


def inputs(spec, text_config, seed):
    rng = np.random.default_rng(seed)
    size = spec["image_size"]
    pixels = torch.tensor(rng.standard_normal((3, 3, size, size)), dtype=torch.float32)
    vocab = text_config["vocab_size"]
    bos = text_config["bos_token_id"]
    legacy = text_config["eos_token_id"] == 2
    eos = vocab - 1 if legacy else text_config["eos_token_id"]
    longest = max(spec["lengths"])
    ids, mask = [], []
    for length in spec["lengths"]:
        body = rng.integers(3, bos - 1, size=length - 2).tolist()
        row = [bos] + body + [eos]
        ids.append(row + [eos] * (longest - length))
        mask.append([1] * length + [0] * (longest - length))
    return pixels, ids, mask


def run(model, pixels, ids, mask):
    input_ids = torch.tensor(ids)
    attention_mask = torch.tensor(mask)
    with torch.no_grad():
        text = model.text_model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        vision = model.vision_model(pixel_values=pixels, output_hidden_states=True)
        text_embeds = model.text_projection(text.pooler_output)
        image_embeds = model.visual_projection(vision.pooler_output)
        features_t = model.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
        features_i = model.get_image_features(pixel_values=pixels)
        features_t = getattr(features_t, "pooler_output", features_t)
        features_i = getattr(features_i, "pooler_output", features_i)
        assert torch.allclose(features_t, text_embeds) and torch.allclose(features_i, image_embeds)
        out = model(input_ids=input_ids, attention_mask=attention_mask, pixel_values=pixels)
    layers_t = model.config.text_config.num_hidden_layers
    layers_v = model.config.vision_config.num_hidden_layers
    assert len(text.hidden_states) == layers_t + 1 and len(vision.hidden_states) == layers_v + 1
    result = {"pixel_values": pixels}
    for i, h in enumerate(text.hidden_states):
        result[f"text.hidden_states.{i}"] = h
    for i, h in enumerate(vision.hidden_states):
        result[f"vision.hidden_states.{i}"] = h
    result.update({
        "text.last_hidden_state": text.last_hidden_state, "text.pooler_output": text.pooler_output,
        "text.embeds": text_embeds, "vision.last_hidden_state": vision.last_hidden_state,
        "vision.pooler_output": vision.pooler_output, "vision.embeds": image_embeds,
        "logits_per_image": out.logits_per_image,
    })
    return {k: v.detach().float().clone().contiguous() for k, v in result.items()}


def make_goldens():
    for seed, (name, spec) in enumerate(MODELS.items()):
        model = build(name, spec, seed=100 + seed)
        pixels, ids, mask = inputs(spec, spec["text_config"], seed=200 + seed)
        goldens = run(model, pixels, ids, mask)
        target = os.path.join(FIXTURES, name)
        os.makedirs(target, exist_ok=True)
        to_save = model.to(spec["dtype"])
        to_save.save_pretrained(target, safe_serialization=True)
        save_file(goldens, os.path.join(target, "goldens.safetensors"))
        with open(os.path.join(target, "inputs.json"), "w") as handle:
            json.dump({"input_ids": ids, "attention_mask": mask}, handle)
        with open(os.path.join(target, "README.md"), "w") as handle:
            handle.write(f"Made by scripts/clip/make_goldens.py ({name}); transformers {__import__('transformers').__version__}, "
                         f"torch {torch.__version__}.\n")
        # Reload from disk and confirm the stored checkpoint reproduces the goldens.
        reloaded = CLIPModel.from_pretrained(target, dtype=torch.float32).eval()
        again = run(reloaded, pixels, ids, mask)
        worst = max((goldens[k] - again[k]).abs().max().item() for k in goldens)
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, reload max diff {worst:.2e}")


def check_peftlab(directory):
    model = CLIPModel.from_pretrained(directory, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    with open(os.path.join(directory, "peftlab_inputs.json")) as handle:
        spec = json.load(handle)
    stored = load_file(os.path.join(directory, "peftlab_outputs.safetensors"))
    batch = tokenizer(spec["texts"], padding=True, truncation=True, return_tensors="pt")
    assert batch["input_ids"].tolist() == spec["input_ids"], "token ids differ from PEFTLab's"
    with torch.no_grad():
        text = model.get_text_features(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        image = model.get_image_features(pixel_values=stored["pixel_values"])
    text = getattr(text, "pooler_output", text)
    image = getattr(image, "pooler_output", image)
    diffs = {"text": (text - stored["text_embeds"]).abs().max().item(),
             "image": (image - stored["image_embeds"]).abs().max().item()}
    print(f"PEFTLab-saved backbone {directory}: max abs diff text {diffs['text']:.2e}, image {diffs['image']:.2e}")
    if max(diffs.values()) > 1e-4:
        sys.exit("FAILED: PEFTLab and transformers disagree")
    print("OK")


def check_embed(directory, lines_path):
    from PIL import Image
    from transformers import CLIPImageProcessor

    model = CLIPModel.from_pretrained(directory, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    processor = CLIPImageProcessor.from_pretrained(directory)
    worst = 0.0
    with open(lines_path) as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    with torch.no_grad():
        for row in rows:
            stored = torch.tensor(row["embedding"])
            if row["kind"] == "image":
                pixels = processor(images=Image.open(row["input"]), return_tensors="pt")["pixel_values"]
                vector = model.get_image_features(pixel_values=pixels)
            else:
                batch = tokenizer(row["input"], truncation=True, return_tensors="pt")
                assert batch["input_ids"][0].tolist() == row["tokens"], f"token ids differ for {row['input']!r}"
                vector = model.get_text_features(**batch)
            vector = getattr(vector, "pooler_output", vector)[0]
            if abs(stored.norm().item() - 1) < 1e-4:
                vector = vector / vector.norm()
            diff = (vector - stored).abs().max().item()
            worst = max(worst, diff)
            print(f"{row['kind']:5s} {row['input'][:40]!r}: max abs diff {diff:.2e}")
    if worst > 1e-4:
        sys.exit("FAILED: peftlab embed and transformers disagree")
    print("OK")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check-peftlab":
        check_peftlab(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "--check-embed":
        check_embed(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 1:
        make_goldens()
    else:
        sys.exit(__doc__)
