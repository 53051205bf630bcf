#!/usr/bin/env python3
"""Checks that a backbone `peftlab backbone pretrain` wrote loads in transformers and embeds like `peftlab embed`.

    /work/venv/bin/python scripts/reference/check_pretrained_backbone.py BACKBONE_DIR [--peftlab .build/release/peftlab]

Loads BACKBONE_DIR with CLIPModel.from_pretrained and CLIPProcessor.from_pretrained (embedding images with the PIL
image processor, which PEFTLab's preprocessing follows), embeds a few captions of the corpus's kind and a few generated scene images,
runs `peftlab embed --backbone BACKBONE_DIR` on the same inputs and prints the worst cosine similarity between the
two projected embeddings of each input; exits 1 when it is below 0.99999. Run by the developer, not in CI.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
from transformers import CLIPModel, CLIPProcessor, CLIPTokenizer
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEXTS = ["two red kites on the left in the snow", "a photo of a blue ball in the middle, at the beach",
         "under the stars, three green fish on the right", "a sunny scene", "a stormy scene",
         "what a lovely day for a picnic"]


def scene_images(directory):
    """A few PNG and JPEG scenes: sky, ground and a coloured disc at varied places and sizes."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):
        h, w = int(rng.integers(64, 160)), int(rng.integers(64, 160))
        img = np.zeros((h, w, 3), dtype=np.uint8)
        img[: h // 2] = rng.integers(0, 256, 3)
        img[h // 2:] = rng.integers(0, 256, 3)
        yy, xx = np.mgrid[:h, :w]
        cy, cx, r = rng.integers(10, h - 10), rng.integers(10, w - 10), rng.integers(5, 20)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 256, 3)
        path = os.path.join(directory, f"scene{i}.{'png' if i % 2 else 'jpg'}")
        Image.fromarray(img).save(path)
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("backbone")
    parser.add_argument("--peftlab", default=os.path.join(REPO, ".build", "release", "peftlab"))
    args = parser.parse_args()

    model = CLIPModel.from_pretrained(args.backbone).eval()
    CLIPProcessor.from_pretrained(args.backbone)  # the directory is a complete processor checkpoint too
    tokenizer = CLIPTokenizer.from_pretrained(args.backbone)
    processor = CLIPImageProcessorPil.from_pretrained(args.backbone)
    with tempfile.TemporaryDirectory() as directory:
        images = scene_images(directory)
        command = [args.peftlab, "embed", "--backbone", args.backbone]
        for path in images:
            command += ["--image", path]
        for text in TEXTS:
            command += ["--text", text]
        lines = subprocess.run(command, check=True, capture_output=True, text=True).stdout.splitlines()
        ours = [json.loads(line) for line in lines]
        with torch.no_grad():
            pixels = processor(images=[Image.open(p).convert("RGB") for p in images], return_tensors="pt")["pixel_values"]
            image_embeds = model.get_image_features(pixel_values=pixels)
            tokens = tokenizer(TEXTS, padding=True, return_tensors="pt")
            text_embeds = model.get_text_features(**tokens)
    if not isinstance(image_embeds, torch.Tensor):  # transformers 5 may return a model output
        image_embeds = image_embeds.pooler_output
        text_embeds = text_embeds.pooler_output
    theirs = [e.numpy() for e in image_embeds] + [e.numpy() for e in text_embeds]
    worst = 1.0
    for record, reference in zip(ours, theirs):
        a, b = np.asarray(record["embedding"], dtype=np.float64), reference.astype(np.float64)
        cosine = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        worst = min(worst, cosine)
        print(f"{record['kind']:5} {os.path.basename(record['input'])[:50]:50} cosine {cosine:.8f}")
    print(f"worst cosine {worst:.8f} over {len(ours)} inputs (1 - cosine {1 - worst:.2e}; logit_scale {model.logit_scale.item():.4f})")
    return 0 if worst >= 0.99999 and len(ours) == len(theirs) else 1


if __name__ == "__main__":
    sys.exit(main())
