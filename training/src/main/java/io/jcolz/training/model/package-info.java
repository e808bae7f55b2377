/**
 * Multi-label image models on DJL.
 *
 * <ul>
 *   <li>{@link io.jcolz.training.model.ResNetSpec}: depth (18/34/50/101), image size, label count.
 *   <li>{@link io.jcolz.training.model.TorchvisionResNet}: the network, laid out and named exactly
 *       as torchvision's ResNets; freezes the parts before a stage (batch norms included).
 *   <li>{@link io.jcolz.training.model.ResNetModels}: creates it from scratch or loads a DJL
 *       parameter file, checking it against the spec.
 *   <li>{@link io.jcolz.training.model.TorchvisionImport}: starts it from a torchvision state dict
 *       ({@code .pth}), with a new output layer.
 * </ul>
 *
 * <h2>History</h2>
 *
 * Until checkpoint version 2 the ResNets were assembled from DJL model-zoo units (ResNet v1, biased
 * bottleneck 1×1 convolutions): their parameter files do not load into these models.
 *
 * <h2>Limitations</h2>
 *
 * ResNets at 18, 34, 50 and 101 layers only; three-channel input. No pretrained weights ship with
 * jcolz: a user brings torchvision's {@code .pth}. Images of at most 32 px use a 3×3 stem that
 * torchvision weights do not fit.
 */
package io.jcolz.training.model;
