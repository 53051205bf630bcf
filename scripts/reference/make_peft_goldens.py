#!/usr/bin/env python3
"""Golden LoRA and IA3 adapters, as peft writes them, on the tiny random CLIP of PEFTCLIP's fixtures.

    /work/venv/bin/python scripts/reference/make_peft_goldens.py
        loads Tests/PEFTCLIPTests/Fixtures/tiny_quickgelu (made by scripts/clip/make_goldens.py; not copied),
        wraps it with peft, sets the adapter weights to seeded random values (so the adapter changes the outputs),
        and writes per method under Tests/PEFTMethodsTests/Fixtures/<lora_tiny|ia3_tiny>/:
          adapter_config.json, adapter_model.safetensors   peft's PeftModel.save_pretrained output, untouched
          inputs.json           token ids + attention mask of 3 texts (the same as tiny_quickgelu/inputs.json)
          expected.safetensors  pixel_values [3,3,32,32]; {base,adapted,merged}.{image,text}_features
                                (un-normalised get_image_features / get_text_features)
          peft_keys.json        the tensor names, shapes and dtypes in adapter_model.safetensors; peft's
                                get_nb_trainable_parameters(); the modules peft wrapped
          README.md             which base checkpoint it needs
        then reloads each adapter with PeftModel.from_pretrained and checks it reproduces the adapted features.
"""
import json
import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    # peft keeps target_modules in a set: a fixed hash seed makes adapter_config.json byte-reproducible.
    os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})

import peft
import torch
import transformers
from peft import IA3Config, LoraConfig, PeftModel, get_peft_model
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import CLIPModel

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BASE_REL = "Tests/PEFTCLIPTests/Fixtures/tiny_quickgelu"  # relative to the repo root
BASE = os.path.join(REPO, BASE_REL)
FIXTURES = os.path.join(REPO, "Tests", "PEFTMethodsTests", "Fixtures")


def load_base():
    return CLIPModel.from_pretrained(BASE, dtype=torch.float32).eval()


def features(model, pixels, ids, mask):
    with torch.no_grad():
        image = model.get_image_features(pixel_values=pixels)
        text = model.get_text_features(input_ids=ids, attention_mask=mask)
    image = getattr(image, "pooler_output", image)
    text = getattr(text, "pooler_output", text)
    return image.detach().clone().contiguous(), text.detach().clone().contiguous()


def randomise_lora(model, generator):
    with torch.no_grad():
        for name, param in model.named_parameters():
            if ".lora_A." in name:
                param.copy_(0.3 * torch.randn(param.shape, generator=generator))
            elif ".lora_B." in name:
                param.copy_(0.3 * torch.randn(param.shape, generator=generator))


def randomise_ia3(model, generator):
    with torch.no_grad():
        for name, param in model.named_parameters():
            if ".ia3_l." in name:
                param.copy_(1.0 + 0.4 * torch.randn(param.shape, generator=generator))
                assert (param != 1).all()


METHODS = {
    "lora_tiny": dict(
        config=lambda: LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0),
        randomise=randomise_lora, seed=301,
        describe="LoRA r=4, lora_alpha=8 (scaling alpha/r = 2), q_proj and v_proj of every layer of both towers, "
                 "no dropout, no bias. W' = W + (alpha/r) * B @ A, with A = lora_A.weight [r, in] and "
                 "B = lora_B.weight [out, r]; A and B set to 0.3 * N(0,1) (seeded).",
        example_key="base_model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_A.weight",
    ),
    "ia3_tiny": dict(
        config=lambda: IA3Config(target_modules=["k_proj", "v_proj", "fc2"], feedforward_modules=["fc2"]),
        randomise=randomise_ia3, seed=302,
        describe="IA3 on k_proj, v_proj (output scaling, bias included: y = l * (W x + b), tensor `<module>.ia3_l` "
                 "[out, 1]) and fc2 (feed-forward, input scaling: y = W (l * x) + b, tensor `<module>.ia3_l` "
                 "[1, in]) of every layer of both towers; ia3_l set to 1 + 0.4 * N(0,1) (seeded). Note the IA3 "
                 "tensor names have no `.weight` suffix.",
        example_key="base_model.model.vision_model.encoder.layers.0.self_attn.k_proj.ia3_l",
    ),
}


def make(name, spec, pixels, ids, mask):
    target = os.path.join(FIXTURES, name)
    os.makedirs(target, exist_ok=True)
    base_image, base_text = features(load_base(), pixels, ids, mask)

    model = get_peft_model(load_base(), spec["config"]())
    model.peft_config["default"].base_model_name_or_path = BASE_REL
    generator = torch.Generator().manual_seed(spec["seed"])
    spec["randomise"](model, generator)
    model.eval()
    trainable, total = model.get_nb_trainable_parameters()
    adapted_image, adapted_text = features(model, pixels, ids, mask)
    wrapped = sorted({n.split(".lora_A.")[0].split(".ia3_l.")[0] for n, _ in model.named_parameters()
                      if ".lora_A." in n or ".ia3_l." in n})
    model.save_pretrained(target)

    merged = model.merge_and_unload()
    merged_image, merged_text = features(merged, pixels, ids, mask)

    expected = {
        "pixel_values": pixels.contiguous(),
        "base.image_features": base_image, "base.text_features": base_text,
        "adapted.image_features": adapted_image, "adapted.text_features": adapted_text,
        "merged.image_features": merged_image, "merged.text_features": merged_text,
    }
    save_file(expected, os.path.join(target, "expected.safetensors"))
    with open(os.path.join(target, "inputs.json"), "w") as handle:
        json.dump({"input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "pixel_values": "expected.safetensors: pixel_values (the same tensor as in "
                                   f"{BASE_REL}/goldens.safetensors)"}, handle)

    keys = []
    with safe_open(os.path.join(target, "adapter_model.safetensors"), framework="pt") as handle:
        assert spec["example_key"] in handle.keys()
        for key in sorted(handle.keys()):
            tensor = handle.get_tensor(key)
            keys.append({"key": key, "shape": list(tensor.shape), "dtype": str(tensor.dtype).replace("torch.", "")})
        metadata = handle.metadata()
    info = {
        "made_by": "scripts/reference/make_peft_goldens.py",
        "versions": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "base": BASE_REL,
        "method": spec["describe"],
        "trainable_parameters": trainable, "all_parameters": total,
        "base_parameters": total - trainable,
        "safetensors_metadata": metadata,
        "keys": keys,
        "wrapped_modules": wrapped,
    }
    with open(os.path.join(target, "peft_keys.json"), "w") as handle:
        json.dump(info, handle, indent=1)
        handle.write("\n")

    # peft's save_pretrained writes a model-card README.md; replace it by ours.
    with open(os.path.join(target, "README.md"), "w") as handle:
        handle.write(
            f"# {name}\n\nMade by `scripts/reference/make_peft_goldens.py` (peft {peft.__version__}, transformers "
            f"{transformers.__version__}, torch {torch.__version__}).\n\n"
            f"Base checkpoint: `{BASE_REL}` (repo-relative; from this folder `../../../PEFTCLIPTests/Fixtures/"
            f"tiny_quickgelu`), made by `scripts/clip/make_goldens.py`. It is not copied here; "
            f"`adapter_config.json`'s `base_model_name_or_path` names it relative to the repo root.\n\n"
            f"Method: {spec['describe']}\n\n"
            "- `adapter_config.json`, `adapter_model.safetensors`: exactly as `PeftModel.save_pretrained` wrote them\n"
            f"  (tensor names without the adapter name, e.g. `{spec['example_key']}`).\n"
            "- `inputs.json`: token ids + attention mask of 3 texts (same as the base's `inputs.json`).\n"
            "- `expected.safetensors`: `pixel_values` [3,3,32,32] and un-normalised `get_image_features` /\n"
            "  `get_text_features` of the base (`base.*`), the adapted PeftModel (`adapted.*`) and the model after\n"
            "  `merge_and_unload()` (`merged.*`), each [3, 40].\n"
            f"- `peft_keys.json`: the tensor names/shapes peft wrote, peft's trainable/all parameter counts "
            f"({trainable} / {total}), the wrapped modules.\n")

    # The stored adapter must reproduce the adapted outputs.
    reloaded = PeftModel.from_pretrained(load_base(), target).eval()
    again_image, again_text = features(reloaded, pixels, ids, mask)
    reload_diff = max((again_image - adapted_image).abs().max().item(), (again_text - adapted_text).abs().max().item())
    merge_diff = max((merged_image - adapted_image).abs().max().item(), (merged_text - adapted_text).abs().max().item())
    effect = min((adapted_image - base_image).abs().max().item(), (adapted_text - base_text).abs().max().item())
    assert reload_diff < 1e-6, reload_diff
    assert merge_diff < 1e-4, merge_diff
    assert effect > 1e-2, effect
    print(f"{name}: trainable {trainable} / all {total}; {len(keys)} tensors; adapter changes features by up to "
          f"{effect:.3f}; merged vs adapted {merge_diff:.1e}; reload {reload_diff:.1e}")


def main():
    goldens = load_file(os.path.join(BASE, "goldens.safetensors"))
    pixels = goldens["pixel_values"]
    with open(os.path.join(BASE, "inputs.json")) as handle:
        spec = json.load(handle)
    ids = torch.tensor(spec["input_ids"])
    mask = torch.tensor(spec["attention_mask"])
    image, text = features(load_base(), pixels, ids, mask)
    assert torch.allclose(image, goldens["vision.embeds"], atol=1e-5) and torch.allclose(text, goldens["text.embeds"], atol=1e-5)
    for name, method in METHODS.items():
        make(name, method, pixels, ids, mask)


if __name__ == "__main__":
    main()
