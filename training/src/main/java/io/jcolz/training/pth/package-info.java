/**
 * Reading PyTorch state dicts ({@code .pth} files written by {@code torch.save} since PyTorch 1.6,
 * and torchvision's pretrained weights) without Python.
 *
 * <ul>
 *   <li>{@link io.jcolz.training.pth.TorchStateDict}: opens the zip, reads the pickle with a
 *       restricted unpickler, reads tensors as float32.
 *   <li>{@link io.jcolz.training.pth.PthFormatException}: any file this reader refuses, with one
 *       line naming the file and why.
 * </ul>
 *
 * <h2>Limitations</h2>
 *
 * Only state dicts (an {@code OrderedDict} of tensors): a pickled model, or a training checkpoint
 * dict holding an optimizer state, is refused, since reading it would mean running the classes it
 * names. Legacy (pre-1.6) files are refused; {@code torch.save(torch.load(OLD), NEW)} converts
 * them. Little-endian storages only. Each storage is read whole into memory, one tensor at a time.
 */
package io.jcolz.training.pth;
