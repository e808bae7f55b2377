"""Reference for EmbedCommandTest. usage: embed_reference.py OUT MODEL PIXELS N H W

Builds torchvision MODEL with seeded random weights and non-trivial batch-norm statistics, saves its
state dict to OUT/MODEL.pth, reads PIXELS (uint8 [N, 3, H, W], the packed rows as jcolz's loader
delivers them), normalises them as torchvision's pretrained weights expect ((x/255 - mean) / std,
ImageNet mean and std) and writes the eval-mode pooled features to OUT/features.f32 (float32 LE).
"""
import sys

import numpy as np
import torch
import torchvision

out, name, pixels, n, h, w = sys.argv[1], sys.argv[2], sys.argv[3], *map(int, sys.argv[4:7])
torch.manual_seed(42)
m = getattr(torchvision.models, name)()
m.train()
with torch.no_grad():
    for _ in range(2):
        m(torch.randn(4, 3, h, w))
m.eval()
torch.save(m.state_dict(), out + "/" + name + ".pth")
x = torch.from_numpy(np.fromfile(pixels, dtype=np.uint8).reshape(n, 3, h, w).astype(np.float32))
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
x = (x / 255 - mean) / std
with torch.no_grad():
    f = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))
    features = torch.flatten(m.avgpool(f), 1)
features.numpy().astype("<f4").tofile(out + "/features.f32")
print("ok")
