"""Reference timing for `peftlab bench clip`: transformers' CLIP ViT-B/32 vision tower (random init), batch 32,
forward only, torch with 2 threads. Run both in one session and compare images/s:

    /path/to/venv/bin/python scripts/bench/torch_clip_vision.py
    .build/release/peftlab bench clip --threads 2 --repeats 3
"""
import time

import torch
from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

torch.set_num_threads(2)
torch.manual_seed(0)
model = CLIPVisionModelWithProjection(CLIPVisionConfig(hidden_act="quick_gelu", projection_dim=512)).eval()
pixels = torch.randn(32, 3, 224, 224)
with torch.inference_mode():
    model(pixel_values=pixels)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        model(pixel_values=pixels)
        best = min(best, time.perf_counter() - start)
gflop = 282.2  # same FLOP count as peftlab's CLIPBenchmark
print(f"torch vision forward b32: {best * 1000:.1f} ms, {32 / best:.2f} images/s, {gflop / best:.1f} GFLOP/s")
