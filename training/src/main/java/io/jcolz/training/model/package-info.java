/**
 * Multi-label image models on DJL.
 *
 * <ul>
 *   <li>{@link io.jcolz.training.model.ResNetSpec}: depth (18/34/50), image size, label count.
 *   <li>{@link io.jcolz.training.model.ResNetModels}: builds the network from DJL model-zoo
 *       residual units, ending in raw logits; creates it from scratch or loads a DJL parameter
 *       file, checking it against the spec.
 * </ul>
 *
 * <h2>Limitations</h2>
 *
 * Only ResNet v1 at 18, 34 and 50 layers; three-channel input. No pretrained ImageNet weights ship
 * with jcolz: "from a file" means a DJL {@code .params} file, for example an earlier jcolz
 * checkpoint.
 */
package io.jcolz.training.model;
