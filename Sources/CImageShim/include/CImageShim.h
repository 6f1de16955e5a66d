// Decoders for PNG and JPEG that report errors as messages instead of exiting or jumping through Swift
// frames: libpng's and libjpeg's error handlers must not return, which needs setjmp/longjmp, and a
// longjmp across Swift code is undefined. These functions keep every setjmp inside C.
#ifndef CIMAGESHIM_H
#define CIMAGESHIM_H

#include <stddef.h>
#include <stdint.h>

/// A decoded image: `height` rows of `width` pixels, `channels` (1 grey or 3 RGB) interleaved samples of
/// `depth` bits each (8: uint8_t, 16: uint16_t in native byte order). `pixels` is malloc'ed; free it with
/// cnns_image_free. `message` holds the reason when a decoder returns nonzero.
typedef struct {
    int width;
    int height;
    int channels;
    int depth;
    void *pixels;
    char message[256];
} cnns_image;

/// Limits checked against the header before any pixel memory is allocated.
typedef struct {
    long max_side;      // largest width or height
    long long max_values; // largest width * height * channels
} cnns_image_limits;

/// PNG (any colour type, bit depth and interlacing) → grey or RGB at 8 or 16 bits, the stored sample
/// values without gamma correction (as PIL, OpenCV and torchvision read them); alpha is dropped,
/// palettes expand to RGB, 1/2/4-bit grey to 8 bits. Returns 0 on success.
int cnns_png_decode(const uint8_t *data, size_t size, cnns_image_limits limits, cnns_image *out);

/// Baseline or progressive JPEG → grey (1 channel) or RGB (3), 8 bits. Any libjpeg warning (corrupt or
/// truncated data, which libjpeg would otherwise paper over with grey) is an error. Returns 0 on success.
int cnns_jpeg_decode(const uint8_t *data, size_t size, cnns_image_limits limits, cnns_image *out);

void cnns_image_free(cnns_image *image);

#endif
