#!/usr/bin/env python3
"""PyTorch reference timing of one PEFT training step on CLIP ViT-B/32, CPU, for comparison with PEFTLab.

    /work/venv/bin/python benchmarks/torch_train_step.py --method lora --threads 2 --json
    /work/venv/bin/python benchmarks/torch_train_step.py --tweet-epoch --threads 2 --json

transformers' default CLIPConfig() (ViT-B/32 vision 224 px, 512-wide 12-layer text, projection 512), random
init. Image+text classification: head = Linear(1024 -> 2) on [image_embeds, text_embeds] (the projected, not
normalised, embeddings), cross-entropy, AdamW (lr 1e-4). One step = zero_grad + forward + backward + optimizer step.

--method
  lora            peft LoRA r=8, alpha=8, dropout 0, q_proj + v_proj of every layer of both towers
  lora-upper4     the same on layers 8-11 of each tower (layers_to_transform)
  adapters-upper  Houlsby bottleneck adapters (d -> d/16 -> d, biases, ReLU, zero-init up-projection, own
                  residual) after self-attention (before the residual add) and after the MLP (before the residual
                  add) in layers 6-11 of both towers, via forward hooks on CLIPEncoderLayer.self_attn / .mlp
  linear-probe    backbone frozen, forward under torch.no_grad(), only the head trains
  full            every parameter trains
The head always trains. Base weights are frozen except for `full`.

Default mode: batch 32, text 77 tokens (BOS, random ids, EOS at the end of each row, no padding), images
3x224x224 N(0,1); --warmup steps untimed, then --steps timed steps; reports the median examples/s.

--tweet-epoch: one epoch of 1000 image+caption examples (batch 32, the last batch 8) with adapters-upper, caption
lengths drawn from a seeded log-normal fitted to MMSD2.0 tweet lengths in CLIP tokens (median 16, mean 17, clipped
to [4, 55]); --pad max_length (default) pads every caption to 77 tokens as the usual
`tokenizer(..., padding="max_length", max_length=77)` does; --pad longest pads each batch to its longest caption.
One untimed warm-up step on the first batch, then the whole epoch is timed.

Peak RSS is resource.getrusage(RUSAGE_SELF).ru_maxrss of this process (it includes model construction).
cpu_seconds_per_second = process CPU time / wall time over the timed steps: about --threads on an idle machine,
less when other processes compete for the cores (then the figures are low and noisy).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np
import torch
import transformers
from transformers import CLIPConfig, CLIPModel

import peft
from peft import LoraConfig, get_peft_model

METHODS = ["lora", "lora-upper4", "adapters-upper", "linear-probe", "full"]


class Bottleneck(torch.nn.Module):
    def __init__(self, d, reduction=16):
        super().__init__()
        self.down = torch.nn.Linear(d, d // reduction)
        self.up = torch.nn.Linear(d // reduction, d)
        torch.nn.init.zeros_(self.up.weight)
        torch.nn.init.zeros_(self.up.bias)

    def forward(self, x):
        return x + self.up(torch.relu(self.down(x)))


class Classifier(torch.nn.Module):
    def __init__(self, config, method):
        super().__init__()
        clip = CLIPModel(config)
        self.method = method
        self.adapters = torch.nn.ModuleList()
        self.hook_calls = 0
        if method in ("lora", "lora-upper4"):
            for p in clip.parameters():
                p.requires_grad_(False)
            extra = {}
            if method == "lora-upper4":
                layers = config.vision_config.num_hidden_layers
                assert layers == config.text_config.num_hidden_layers
                extra["layers_to_transform"] = list(range(layers - 4, layers))
            clip = get_peft_model(clip, LoraConfig(r=8, lora_alpha=8, lora_dropout=0.0,
                                                   target_modules=["q_proj", "v_proj"], **extra))
        elif method == "adapters-upper":
            for p in clip.parameters():
                p.requires_grad_(False)
            for tower in (clip.vision_model, clip.text_model):
                layers = tower.encoder.layers
                for layer in layers[len(layers) - 6:]:
                    d = layer.self_attn.embed_dim
                    for module in (layer.self_attn, layer.mlp):
                        adapter = Bottleneck(d)
                        self.adapters.append(adapter)
                        module.register_forward_hook(self._hook(adapter))
        elif method == "linear-probe":
            for p in clip.parameters():
                p.requires_grad_(False)
        elif method != "full":
            raise ValueError(method)
        self.clip = clip
        self.head = torch.nn.Linear(2 * config.projection_dim, 2)

    def _hook(self, adapter):
        def hook(module, inputs, output):
            self.hook_calls += 1
            if isinstance(output, tuple):
                return (adapter(output[0]),) + tuple(output[1:])
            return adapter(output)
        return hook

    def features(self, pixels, ids, mask):
        image = self.clip.get_image_features(pixel_values=pixels)
        text = self.clip.get_text_features(input_ids=ids, attention_mask=mask)
        image = getattr(image, "pooler_output", image)
        text = getattr(text, "pooler_output", text)
        return torch.cat([image, text], dim=1)

    def forward(self, pixels, ids, mask):
        if self.method == "linear-probe":
            with torch.no_grad():
                embeds = self.features(pixels, ids, mask)
        else:
            embeds = self.features(pixels, ids, mask)
        return self.head(embeds)


def text_batch(rng, lengths, width, config):
    """BOS + random ids + EOS per row, padded with EOS (as CLIP's HF tokenizer does) up to `width`."""
    text = config.text_config
    bos, eos = text.bos_token_id, text.eos_token_id
    ids = np.full((len(lengths), width), eos, dtype=np.int64)
    mask = np.zeros((len(lengths), width), dtype=np.int64)
    for row, length in enumerate(lengths):
        ids[row, 0] = bos
        ids[row, 1:length - 1] = rng.integers(0, min(bos, eos), size=length - 2)
        ids[row, length - 1] = eos
        mask[row, :length] = 1
    return torch.from_numpy(ids), torch.from_numpy(mask)


def tweet_lengths(count, seed=17):
    """Log-normal with median 16 and mean 17 (sigma^2 = 2 ln(17/16)), rounded, clipped to [4, 55]."""
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(2 * np.log(17 / 16))
    lengths = np.round(rng.lognormal(mean=np.log(16), sigma=sigma, size=count))
    return np.clip(lengths, 4, 55).astype(int)


def step(model, optimizer, pixels, ids, mask, labels):
    optimizer.zero_grad(set_to_none=True)
    logits = model(pixels, ids, mask)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--method", choices=METHODS, default="lora")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--tweet-epoch", action="store_true")
    parser.add_argument("--captions", type=int, default=1000)
    parser.add_argument("--pad", choices=["max_length", "longest"], default="max_length")
    parser.add_argument("--tiny", action="store_true", help="smoke test on a tiny config (not a benchmark)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    if args.tiny:
        config = CLIPConfig(text_config=dict(hidden_size=64, intermediate_size=128, num_hidden_layers=12,
                                             num_attention_heads=4),
                            vision_config=dict(hidden_size=48, intermediate_size=96, num_hidden_layers=12,
                                               num_attention_heads=4, image_size=32, patch_size=8),
                            projection_dim=40)
    else:
        config = CLIPConfig()
    method = "adapters-upper" if args.tweet_epoch else args.method
    model = Classifier(config, method)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4)
    size = config.vision_config.image_size
    width = config.text_config.max_position_embeddings
    result = {
        "method": method, "threads": args.threads, "batch": args.batch,
        "trainable_params": sum(p.numel() for p in trainable),
        "all_params": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
        "cpu": cpu_model(), "tiny": args.tiny,
    }

    if not args.tweet_epoch:
        pixels = torch.randn(args.batch, 3, size, size)
        ids, mask = text_batch(rng, [width] * args.batch, width, config)
        labels = torch.from_numpy(rng.integers(0, 2, args.batch))
        for _ in range(args.warmup):
            step(model, optimizer, pixels, ids, mask, labels)
        if method == "adapters-upper":
            assert model.hook_calls == args.warmup * len(model.adapters), model.hook_calls
        seconds = []
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for _ in range(args.steps):
            start = time.perf_counter()
            step(model, optimizer, pixels, ids, mask, labels)
            seconds.append(time.perf_counter() - start)
        cpu_share = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
        rates = [args.batch / s for s in seconds]
        result.update({"mode": "train_step", "cpu_seconds_per_second": round(cpu_share, 2),
                       "text_tokens": width, "image_size": size, "warmup": args.warmup,
                       "step_seconds": [round(s, 3) for s in seconds],
                       "examples_per_s_median": round(statistics.median(rates), 3),
                       "examples_per_s_all": [round(r, 3) for r in rates]})
    else:
        lengths = tweet_lengths(args.captions)
        batches = [lengths[i:i + args.batch] for i in range(0, len(lengths), args.batch)]

        def make(batch_lengths):
            pad_to = width if args.pad == "max_length" else int(max(batch_lengths))
            ids, mask = text_batch(rng, batch_lengths, pad_to, config)
            pixels = torch.randn(len(batch_lengths), 3, size, size)
            labels = torch.from_numpy(rng.integers(0, 2, len(batch_lengths)))
            return pixels, ids, mask, labels

        step(model, optimizer, *make(batches[0]))  # warm-up, untimed
        total = 0.0
        cpu_total = 0.0
        for batch_lengths in batches:
            data = make(batch_lengths)
            start, cpu_start = time.perf_counter(), time.process_time()
            step(model, optimizer, *data)
            total += time.perf_counter() - start
            cpu_total += time.process_time() - cpu_start
        result.update({"mode": "tweet_epoch", "cpu_seconds_per_second": round(cpu_total / total, 2),
                       "pad": args.pad, "examples": int(len(lengths)),
                       "length_mean": round(float(lengths.mean()), 2), "length_median": float(np.median(lengths)),
                       "length_max": int(lengths.max()), "epoch_seconds": round(total, 2),
                       "examples_per_s": round(len(lengths) / total, 3)})
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    sys.exit(main())
