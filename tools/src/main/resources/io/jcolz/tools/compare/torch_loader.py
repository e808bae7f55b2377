"""The PyTorch DataLoader baseline of `jcolz bench --compare` (the way people load images today).

Reads a file list written by jcolz (one JSON array per line: ["path", [label, ...]]), exactly
the images a jcolz dataset holds, through a torch.utils.data.Dataset + DataLoader: PIL open,
convert("RGB"), torchvision Resize/CenterCrop to the packed size, RandomHorizontalFlip,
ToTensor (float32 CHW in [0, 1]), a multi-hot float32 label vector of the vocabulary's size;
shuffled, batch B, num_workers W, persistent workers, pin_memory off, seeded.

Timed mode streams batches for --warmup seconds (not counted), then counts images for
--seconds (the first batch after the warm-up starts the clock and is not counted, as in
jcolz's Java harness) and prints ONE JSON line on stdout. --check runs exactly one epoch in
file-list order (no shuffle) and prints the images and batches delivered and a SHA-256 of the
epoch's multi-hot labels (float32, little-endian, row-major), so the caller can prove every
image and label arrived. A failure prints one line on stderr (the last) and exits 1.

Shipped inside jcolz.jar (io/jcolz/tools/compare/torch_loader.py) and run by PyTorchCandidate.
"""

import argparse
import hashlib
import json
import os
import sys
import threading
import time


def kill_children():
    """Kills the DataLoader workers at once: left alone they finish their prefetched batches,
    taking CPU from whatever is measured next."""
    try:  # torch's SIGCHLD handler would raise "DataLoader worker is killed" in the middle
        import signal

        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    except ValueError:
        pass  # not the main thread (the stdin watchdog): the exit follows at once anyway
    me = os.getpid()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/" + pid + "/stat") as f:
                    stat = f.read()
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == me:
                    os.kill(int(pid), 9)
            except (OSError, ValueError):
                pass


def fail(message):
    line = message.strip().splitlines()[-1]
    if line.startswith("RuntimeError: /"):  # our own per-file error, re-raised by the DataLoader
        line = line[len("RuntimeError: ") :]
    sys.stderr.write("torch_loader: " + line + "\n")
    sys.stderr.flush()
    kill_children()
    os._exit(1)


def watch_parent():
    """Exits when stdin closes: the JVM that started this script died or gave up on it."""

    def run():
        # os.read, not sys.stdin: a forked DataLoader worker closes sys.stdin at start-up and
        # would deadlock on the buffer lock this thread holds while it blocks in a read
        try:
            while os.read(0, 1):
                pass
        except OSError:
            pass
        kill_children()
        os._exit(3)

    threading.Thread(target=run, daemon=True).start()


def tree_cpu_seconds():
    """User + system CPU seconds of this process and its live children (the DataLoader workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/" + pid + "/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[0] is state (field 3 of stat); ppid is field 4, utime 14, stime 15
        if int(pid) == me or int(fields[1]) == me:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--list", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--resize", default="shorter-side+center-crop")
    p.add_argument("--labels", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--check", action="store_true")
    p.add_argument("--exit-on-stdin-eof", action="store_true", help="die with the parent")
    a = p.parse_args()
    if a.exit_on_stdin_eof:
        watch_parent()

    import warnings

    warnings.filterwarnings("ignore", module="PIL")  # palette transparency notes, not errors
    import torch
    import torchvision
    from PIL import Image, ImageOps
    from torch.utils.data import DataLoader, Dataset
    from torchvision import transforms as T

    items = []
    with open(a.list, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                path, labels = json.loads(line)
                items.append((path, labels))

    size = a.size
    if a.resize == "shorter-side+center-crop":
        fit = [T.Resize(size, interpolation=T.InterpolationMode.BILINEAR), T.CenterCrop(size)]
    elif a.resize == "stretch":
        fit = [T.Resize((size, size), interpolation=T.InterpolationMode.BILINEAR)]
    elif a.resize == "pad":
        fit = [Pad(size, ImageOps, Image)]  # torchvision has no letterbox transform
    else:
        raise SystemExit("unknown resize mode " + a.resize)
    transform = T.Compose(fit + [T.RandomHorizontalFlip(), T.ToTensor()])

    class Files(Dataset):
        def __init__(self, items, vocabulary, transform):
            self.items = items
            self.vocabulary = vocabulary
            self.transform = transform

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            path, labels = self.items[i]
            try:
                with Image.open(path) as im:
                    image = self.transform(im.convert("RGB"))
            except Exception as e:
                raise RuntimeError("%s: %s: %s" % (path, type(e).__name__, e)) from None
            target = torch.zeros(self.vocabulary, dtype=torch.float32)
            if labels:
                target[labels] = 1.0
            return image, target

    torch.manual_seed(a.seed)
    generator = torch.Generator()
    generator.manual_seed(a.seed)
    loader = DataLoader(
        Files(items, a.labels, transform),
        batch_size=a.batch,
        shuffle=not a.check,
        num_workers=a.workers,
        persistent_workers=a.workers > 0,
        pin_memory=False,
        drop_last=False,
        generator=generator,
    )
    out = {
        "workers": a.workers,
        "batch": a.batch,
        "epoch_images": len(items),
        "epoch_batches": len(loader),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pil": Image.__version__,
        "python": sys.version.split()[0],
        "torch_threads": torch.get_num_threads(),
    }

    if a.check:
        digest = hashlib.sha256()
        images = batches = 0
        shape = None
        for x, y in loader:
            if shape is None:
                shape = list(x.shape)
                out["image_dtype"] = str(x.dtype).replace("torch.", "")
            images += x.shape[0]
            batches += 1
            digest.update(y.contiguous().numpy().astype("<f4").tobytes())
        out.update(images=images, batches=batches, label_sha256=digest.hexdigest(), image_shape=shape)
        print(json.dumps(out), flush=True)
        return

    start = time.perf_counter()
    warm_end = start + a.warmup
    t0 = None
    last = start
    images = batches = 0
    cpu0 = 0.0
    done = False
    while not done:
        for x, _ in loader:
            last = time.perf_counter()
            if last < warm_end:
                continue
            if t0 is None:  # the first batch after the warm-up starts the clock
                t0 = last
                cpu0 = tree_cpu_seconds()
                continue
            images += x.shape[0]
            batches += 1
            if last - t0 >= a.seconds:
                done = True
                break
    cpu = tree_cpu_seconds() - cpu0
    seconds = last - t0
    out.update(
        images_per_s=images / seconds if seconds > 0 else 0.0,
        images=images,
        batches=batches,
        seconds=seconds,
        cpu_seconds=cpu,
    )
    print(json.dumps(out), flush=True)
    # persistent workers: leave without waiting for their orderly shutdown
    sys.stdout.flush()
    kill_children()
    os._exit(0)


class Pad:
    """Letterbox to size x size on white, as jcolz's --resize pad (PIL's ImageOps.pad)."""

    def __init__(self, size, image_ops, image):
        self.size = size
        self.image_ops = image_ops
        self.bilinear = image.BILINEAR

    def __call__(self, im):
        return self.image_ops.pad(
            im, (self.size, self.size), method=self.bilinear, color=(255, 255, 255)
        )


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as e:  # DataLoader re-raises a worker's error with its traceback text
        text = str(e).strip() or type(e).__name__
        fail(text if ": " in text.splitlines()[-1] else type(e).__name__ + ": " + text)
