#!/usr/bin/env python3
"""Trainable-parameter counts that peft reports for PEFT methods on a bare transformers CLIPModel.

    /work/venv/bin/python scripts/reference/param_counts.py
        writes Tests/PEFTMethodsTests/Fixtures/param_counts.json: for transformers' default CLIPConfig()
        (ViT-B/32 vision + 512-wide text, 151 277 313 parameters) and for the tiny_quickgelu config of
        scripts/clip/make_goldens.py, peft's get_nb_trainable_parameters() (trainable, all) and the line
        print_trainable_parameters() prints, per method; plus a check of the bottleneck-adapter formula.
Random init only (no weights are downloaded); takes about a minute on 2 cores.
"""
import contextlib
import copy
import io
import json
import os
import sys

import peft
import torch
import transformers
from peft import IA3Config, LoraConfig, PromptTuningConfig, get_peft_model
from transformers import CLIPConfig, CLIPModel

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "clip"))
from make_goldens import MODELS  # noqa: E402  (the tiny_quickgelu spec)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO, "Tests", "PEFTMethodsTests", "Fixtures", "param_counts.json")


def tiny_config():
    spec = MODELS["tiny_quickgelu"]
    return CLIPConfig(text_config=spec["text_config"], vision_config=spec["vision_config"],
                      projection_dim=spec["projection_dim"], logit_scale_init_value=spec["logit_scale_init_value"])


class Bottleneck(torch.nn.Module):
    """Houlsby adapter: x + up(relu(down(x))), down d -> d/r and up d/r -> d, both with bias."""

    def __init__(self, d, reduction):
        super().__init__()
        self.down = torch.nn.Linear(d, d // reduction)
        self.up = torch.nn.Linear(d // reduction, d)

    def forward(self, x):
        return x + self.up(torch.relu(self.down(x)))


def count(model):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        model.print_trainable_parameters()
    trainable, total = model.get_nb_trainable_parameters()
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    return {"trainable": int(trainable), "all": int(total), "printed": buffer.getvalue().strip(),
            "trainable_tensors": len(names)}


def methods(layers, upper):
    """(name, description, config factory); `upper` = the layer indices for the restricted LoRA."""
    regex = r".*encoder\.layers\.(" + "|".join(str(i) for i in upper) + r")\.self_attn\.(q_proj|v_proj)"
    return [
        ("lora_r8_qv", "LoraConfig(r=8, lora_alpha=8, target_modules=[q_proj, v_proj]), every layer of both towers",
         lambda: LoraConfig(r=8, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0)),
        ("lora_r8_all_linear",
         "LoraConfig(r=8, lora_alpha=8, target_modules=[q_proj, k_proj, v_proj, out_proj, fc1, fc2]), every layer "
         "of both towers",
         lambda: LoraConfig(r=8, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"],
                            lora_dropout=0.0)),
        ("lora_r4_qv_upper",
         f"LoraConfig(r=4, lora_alpha=8, target_modules=[q_proj, v_proj], layers_to_transform={upper}) (peft's "
         f"default layers_pattern finds CLIP's `encoder.layers.N`; checked equal to the regex target_modules "
         f"{regex!r})",
         lambda: LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], layers_to_transform=upper,
                            lora_dropout=0.0)),
        ("lora_r4_qv_upper_regex", f"LoraConfig(r=4, lora_alpha=8, target_modules={regex!r})",
         lambda: LoraConfig(r=4, lora_alpha=8, target_modules=regex, lora_dropout=0.0)),
        ("ia3_kv_fc2", "IA3Config(target_modules=[k_proj, v_proj, fc2], feedforward_modules=[fc2]), every layer",
         lambda: IA3Config(target_modules=["k_proj", "v_proj", "fc2"], feedforward_modules=["fc2"])),
    ]


def prompt_tuning(base, text_hidden, text_layers, text_heads):
    """peft's PromptTuningConfig on CLIPModel: it wraps, but CLIP cannot run the result (see `forward`)."""
    config = PromptTuningConfig(task_type="FEATURE_EXTRACTION", num_virtual_tokens=16, token_dim=text_hidden,
                                num_transformer_submodules=1, num_attention_heads=text_heads, num_layers=text_layers)
    result = {"config": "PromptTuningConfig(task_type=FEATURE_EXTRACTION, num_virtual_tokens=16, "
                        f"token_dim={text_hidden}, num_transformer_submodules=1)",
              "prompt_embeddings": 16 * text_hidden,
              "prompt_embeddings_formula": "num_virtual_tokens x text hidden size"}
    model = get_peft_model(base, config)
    result.update(count(model))
    result["trainable_names"] = [n for n, p in model.named_parameters() if p.requires_grad]
    try:
        ids = torch.tensor([[1, 2, 3]])
        model(input_ids=ids, attention_mask=torch.ones_like(ids), pixel_values=torch.zeros(
            1, 3, base.config.vision_config.image_size, base.config.vision_config.image_size))
        result["forward"] = "ok"
    except Exception as error:  # noqa: BLE001 - recorded, not hidden
        lines = str(error).splitlines()
        message = lines[0] if len(lines) == 1 else f"{lines[0]}...{lines[-1]}"  # a module repr in the middle
        result["forward"] = f"fails: {type(error).__name__}: {message[:200]}"
    result["note"] = ("peft wraps CLIPModel (PeftModelForFeatureExtraction) and counts the 16 x d prompt embedding "
                      "plus CLIPModel.logit_scale, which it leaves trainable; the forward pass fails (peft passes "
                      "inputs_embeds, which CLIP's text embeddings path does not take; CLIP also pools at the EOS "
                      "position of input_ids). prompt_embeddings is the count a prompt-tuning "
                      "implementation of the text side should report.")
    return result


def adapters_check(config, upper):
    reduction = 16
    out = {"formula": "2*d*(d/r) + d/r + d  (down Linear(d, d/r) with bias + up Linear(d/r, d) with bias)",
           "reduction": reduction, "per_adapter": {}}
    for tower, sub in (("vision", config.vision_config), ("text", config.text_config)):
        d = sub.hidden_size
        m = d // reduction
        formula = 2 * d * m + m + d
        built = sum(p.numel() for p in Bottleneck(d, reduction).parameters())
        assert formula == built, (d, formula, built)
        out["per_adapter"][tower] = {"d": d, "bottleneck": m, "params": formula}
    per_layer = 2  # after attention and after the MLP
    out["houlsby_upper"] = {
        "layers": upper, "adapters_per_layer": per_layer,
        "trainable": per_layer * len(upper) * (out["per_adapter"]["vision"]["params"]
                                               + out["per_adapter"]["text"]["params"]),
        "note": "benchmarks/torch_train_step.py --method adapters-upper, without its classification head",
    }
    return out


def for_config(name, config, upper, expected_total=None):
    torch.manual_seed(0)
    base = CLIPModel(config).eval()
    total = sum(p.numel() for p in base.parameters())
    if expected_total is not None:
        assert total == expected_total, total
    result = {"config": name, "base_parameters": total,
              "text": {"hidden": config.text_config.hidden_size, "layers": config.text_config.num_hidden_layers,
                       "intermediate": config.text_config.intermediate_size},
              "vision": {"hidden": config.vision_config.hidden_size, "layers": config.vision_config.num_hidden_layers,
                         "intermediate": config.vision_config.intermediate_size},
              "projection_dim": config.projection_dim, "methods": {}}
    for key, describe, make in methods(config.text_config.num_hidden_layers, upper):
        model = get_peft_model(copy.deepcopy(base), make())
        entry = {"describe": describe}
        entry.update(count(model))
        result["methods"][key] = entry
        print(f"{name.split(' (')[0]} {key}: {entry['printed']}")
    assert result["methods"]["lora_r4_qv_upper"]["trainable"] == result["methods"]["lora_r4_qv_upper_regex"]["trainable"]
    result["methods"]["prompt_tuning_16"] = prompt_tuning(copy.deepcopy(base), config.text_config.hidden_size,
                                                          config.text_config.num_hidden_layers,
                                                          config.text_config.num_attention_heads)
    print(f"{name.split(' (')[0]} prompt_tuning_16: {result['methods']['prompt_tuning_16']['printed']}")
    result["bottleneck_adapters"] = adapters_check(config, upper)
    head = 2 * config.projection_dim * 2 + 2
    result["benchmark_head"] = {"describe": "Linear(2 * projection_dim -> 2) on [image_embeds, text_embeds]",
                                "params": head}
    return result


def main():
    default = CLIPConfig()
    golden = {
        "made_by": "scripts/reference/param_counts.py",
        "versions": {"peft": peft.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "conventions": "trainable/all are peft's get_nb_trainable_parameters() on get_peft_model(CLIPModel(config), "
                       "peft_config) (no task_type for LoRA/IA3); `all` = base parameters + added adapter parameters "
                       "(IA3 and LoRA add parameters; nothing is replaced). `printed` is print_trainable_parameters().",
        "configs": {
            "clip_default": for_config("CLIPConfig() (ViT-B/32 vision, 512-wide text)", default,
                                       upper=list(range(6, 12)), expected_total=151_277_313),
            "tiny_quickgelu": for_config("tiny_quickgelu (scripts/clip/make_goldens.py); 2 layers per tower, so the "
                                         "'upper' LoRA uses layers_to_transform=[1]", tiny_config(), upper=[1]),
        },
    }
    d = golden["configs"]["clip_default"]["methods"]
    # Known figures (hand-derived) for ViT-B/32 CLIP.
    assert d["lora_r8_qv"]["trainable"] == 491_520, d["lora_r8_qv"]
    assert d["lora_r8_all_linear"]["trainable"] == 2_211_840, d["lora_r8_all_linear"]
    assert d["ia3_kv_fc2"]["trainable"] == 92_160, d["ia3_kv_fc2"]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as handle:
        json.dump(golden, handle, indent=1)
        handle.write("\n")
    print(f"wrote {os.path.relpath(OUT, REPO)}")


if __name__ == "__main__":
    main()
