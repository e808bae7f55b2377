"""Files for TorchStateDictTest. usage: pth_cases.py OUT_DIR

Writes raw little-endian float32 expectations (NAME.f32) next to each case's tensor.
"""
import collections
import sys

import torch

out = sys.argv[1]
torch.manual_seed(7)
base = torch.randn(6, 5, dtype=torch.float64)
sd = collections.OrderedDict()
sd["f32"] = torch.randn(3, 4)
sd["f16"] = torch.randn(2, 3).half()
sd["f64"] = base
sd["transposed"] = base.float().t()  # non-contiguous strides
sd["view"] = base.float()[2:5, 1:4]  # storage offset and strides, shares a storage
sd["scalar"] = torch.tensor(2.5)
sd["count"] = torch.tensor(17, dtype=torch.long)
torch.save(sd, out + "/cases.pth")
for k, v in sd.items():
    if v.is_floating_point():
        v.float().contiguous().numpy().astype("<f4").tofile(out + "/" + k + ".f32")
torch.save(sd, out + "/legacy.pth", _use_new_zipfile_serialization=False)
torch.save(torch.nn.Linear(2, 3), out + "/module.pth")
torch.save({"model": collections.OrderedDict(w=torch.ones(2)), "epoch": 3}, out + "/nested.pth")
print("ok")
