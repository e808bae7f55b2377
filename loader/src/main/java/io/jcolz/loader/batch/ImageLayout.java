package io.jcolz.loader.batch;

/** Memory layout of a batch's uint8 image tensor. Thread-safe (an enum). */
public enum ImageLayout {
  /** {@code [B, C, H, W]}: one plane per channel (what PyTorch convolutions take). */
  NCHW,
  /** {@code [B, H, W, C]}: interleaved pixels, as stored (channels-last). */
  NHWC
}
