"""Reference outputs of torchvision ResNets for TorchvisionParityTest.

usage: torchvision_reference.py OUT_DIR SIZE MODEL [MODEL ...]

For each MODEL (resnet18, resnet50, resnet101): builds torchvision.models.MODEL with 5 outputs and
seeded random weights, runs 3 forward passes in train mode on random batches so that the batch-norm
running statistics are not 0 and 1, perturbs the batch-norm affine parameters, saves the state dict
to OUT_DIR/MODEL.pth with torch.save, and writes, in eval mode, for one fixed input batch
(OUT_DIR/input.f32, 2x3xSIZExSIZE, shared by all models) the logits (OUT_DIR/MODEL.logits.f32) and
the pooled features before fc (OUT_DIR/MODEL.features.f32), all raw little-endian float32.
"""
import sys

import torch
import torchvision

out, size, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
torch.manual_seed(1234)
x = torch.randn(2, 3, size, size)
x.numpy().astype("<f4").tofile(out + "/input.f32")
for i, name in enumerate(names):
    torch.manual_seed(100 + i)
    m = getattr(torchvision.models, name)(num_classes=5)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    m.train()
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(4, 3, size, size) * 1.5 + 0.3)
    m.eval()
    torch.save(m.state_dict(), out + "/" + name + ".pth")
    with torch.no_grad():
        f = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(x))))))))
        features = torch.flatten(m.avgpool(f), 1)
        logits = m(x)
    features.numpy().astype("<f4").tofile(out + "/" + name + ".features.f32")
    logits.numpy().astype("<f4").tofile(out + "/" + name + ".logits.f32")
print("ok")
