/**
 * Image codecs shared by the packer and the loader (module {@code jcolz-image}): decode anything to
 * 8-bit RGB, fit it to an exact size, store it as JPEG and decode it again. The module depends on
 * no other jcolz module (format's {@code PackedImages} names the same resize modes; pack's {@code
 * ResizeModeNamesTest} pins them equal); training-time augmentation is the loader's ({@code
 * io.jcolz.loader.augment}).
 *
 * <h2>Which class for what</h2>
 *
 * <ul>
 *   <li>{@link io.jcolz.image.ImageDecoder}: files from the outside world (any ImageIO format) to
 *       {@link io.jcolz.image.RgbImage}; {@code decodeResized} for packing (subsamples while
 *       decoding); {@code fit} for an image another library decoded (serving a DJL {@code Image}),
 *       by the same steps. Thread-safe.
 *   <li>{@link io.jcolz.image.Resizer}: fit an image to W x H by a {@link
 *       io.jcolz.image.ResizeMode}. Thread-safe.
 *   <li>{@link io.jcolz.image.JpegEncoder} / {@link io.jcolz.image.JpegDecoder}: the {@code jpeg}
 *       storage mode. One per thread.
 *   <li>{@link io.jcolz.image.TurboJpeg}: the FFM binding to libjpeg-turbo (TurboJPEG 2.x) that the
 *       three JPEG paths use when {@code libturbojpeg.so.0} is installed; ImageIO handles what it
 *       does not read (CMYK/YCCK, 12-bit, files it reads only with a warning) and everything when
 *       it is absent.
 *   <li>{@link io.jcolz.image.Resampler}: the separable, antialiased, integer resampler under
 *       {@link io.jcolz.image.Resizer} and the loader's augmentation, with a {@link
 *       io.jcolz.image.ResampleFilter}. One per thread.
 *   <li>{@link io.jcolz.image.PixelLayout}: HWC or CHW bytes of one sample in a batch slot.
 *   <li>{@link io.jcolz.image.ImageDecodeException}: every refused input, with a {@link
 *       io.jcolz.image.ImageDecodeException.Reason} to count skips by.
 * </ul>
 *
 * <h2>Conventions</h2>
 *
 * Pixels are {@code uint8} RGB, row-major, channels interleaved (HWC) unless a {@link
 * io.jcolz.image.PixelLayout} says CHW. Sizes are given as (width, height). Alpha is composited
 * over white ({@code 0xFFFFFF}) unless configured; PAD letterboxes onto the same colour. JPEG EXIF
 * orientation is applied. At most 100 MP decoded by default (PNG and baseline JPEG are decoded
 * subsampled, so larger sources are read; a header over 2^31 pixels is refused as a decompression
 * bomb). All resampling is antialiased, integer, and bit-for-bit reproducible.
 *
 * <h2>Limitations</h2>
 *
 * <ul>
 *   <li>Without libjpeg-turbo, progressive JPEGs decode 5-10x slower than baseline ones: the JDK's
 *       libjpeg binding outputs every progressive scan in full, and {@code
 *       setSourceProgressivePasses} cannot skip to the final one (tried: it yields the first scan
 *       only). Subsampling helps them little.
 *   <li>With libjpeg-turbo, JPEGs larger than the output needs are decoded with DCT-domain scaling
 *       (1/2, 1/4, 1/8; never below 2 decoded pixels per output pixel), then resized as before: the
 *       scaled IDCT averages each block instead of picking every k-th pixel. Without it,
 *       subsampling decodes every k-th pixel (DCT scaling is not reachable through ImageIO), so the
 *       entropy decoding and IDCT cost stays; PNG gains almost nothing. The two paths' pixels
 *       differ slightly (mean absolute difference below 1.5 levels at 224 px in the tests).
 *   <li>Embedded ICC profiles of RGB images are ignored (values taken as sRGB); CMYK/YCCK JPEGs are
 *       converted by TwelveMonkeys. EXIF orientation is read from JPEG only.
 *   <li>WebP is readable through TwelveMonkeys but has no writer, so no test generates one.
 * </ul>
 */
package io.jcolz.image;
