#!/usr/bin/env python3
"""The PyTorch side of bench/gpu/run.sh: one training step of torchvision's ResNet-50 (last layer
sized to LABELS) on synthetic uint8 images already on the device, normalised there, with the
mean-over-elements BCE-with-logits loss (what jcolz's fused loss computes) and SGD-momentum, at
fp32 or bf16 (torch.autocast, fp32 master weights: the same split as jcolz's --precision bf16).
Times STEPS steps after WARMUP, synchronising the device around each, and prints one JSON line:
{"precision", "batch", "size", "labels", "device", "step_ms_median", "images_per_s", ...}.

Usage: torch_step.py --batch 256 --size 224 --labels 11000 --steps 20 --warmup 5 --precision fp32
Without torch it prints {"skipped": "..."} and exits 0.
"""
import argparse
import json
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--labels", type=int, default=11000)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = ap.parse_args()
    try:
        import torch
        import torchvision
    except ImportError as e:
        print(json.dumps({"precision": a.precision, "skipped": "no torch: %s" % e}))
        return 0
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    model = torchvision.models.resnet50(num_classes=a.labels).to(dev)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    g = torch.Generator().manual_seed(1)
    x8 = torch.randint(0, 256, (a.batch, 3, a.size, a.size), dtype=torch.uint8, generator=g).to(dev)
    y = (torch.rand(a.batch, a.labels, generator=g) < 10.0 / a.labels).float().to(dev)
    mean = torch.tensor([0.485, 0.456, 0.406], device=dev).view(1, 3, 1, 1) * 255
    std = torch.tensor([0.229, 0.224, 0.225], device=dev).view(1, 3, 1, 1) * 255
    dtype = torch.bfloat16 if a.precision == "bf16" else None

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def step():
        x = (x8.float() - mean) / std
        opt.zero_grad(set_to_none=True)
        if dtype is not None:
            with torch.autocast(device_type=dev.type, dtype=dtype):
                logits = model(x)
            loss = loss_fn(logits.float(), y)
        else:
            loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step()
    sync()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        loss = step()
        loss.item()  # one host sync per step, as jcolz reads its loss
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    med = statistics.median(times)
    print(json.dumps({
        "precision": a.precision, "batch": a.batch, "size": a.size, "labels": a.labels,
        "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
        "torch": torch.__version__, "steps": a.steps, "step_ms_median": med,
        "images_per_s": a.batch / (med / 1000.0),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
