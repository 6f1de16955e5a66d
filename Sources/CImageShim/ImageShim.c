// See include/CImageShim.h for why this is C.
#include "CImageShim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <jpeglib.h>

static void set_message(cnns_image *out, const char *prefix, const char *text) {
    snprintf(out->message, sizeof out->message, "%s%s", prefix, text);
}

/// Checks the declared size against the limits; on failure writes the message and returns nonzero.
static int check_size(cnns_image *out, const char *kind, long width, long height, int channels,
                      cnns_image_limits limits) {
    if (width <= 0 || height <= 0) {
        snprintf(out->message, sizeof out->message, "%s declares an empty image (%ld×%ld)", kind, width, height);
        return 1;
    }
    if (width > limits.max_side || height > limits.max_side) {
        snprintf(out->message, sizeof out->message,
                 "%s declares %ld×%ld pixels, more than the %ld per side this version reads",
                 kind, width, height, limits.max_side);
        return 1;
    }
    long long values = (long long)width * (long long)height * channels;
    if (values > limits.max_values) {
        snprintf(out->message, sizeof out->message,
                 "%s declares %ld×%ld×%d values, more than the %lld a tensor may hold",
                 kind, width, height, channels, limits.max_values);
        return 1;
    }
    return 0;
}

// MARK: PNG

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    cnns_image *out;
    char warning[128];  // libpng explains a bad IHDR in a warning, then fails with "Invalid IHDR data"
    jmp_buf jump;
} png_source;

static void png_fail(png_structp png, png_const_charp text) {
    png_source *src = (png_source *)png_get_error_ptr(png);
    if (src->warning[0])
        snprintf(src->out->message, sizeof src->out->message, "corrupt PNG: %s (%s)", text, src->warning);
    else
        set_message(src->out, "corrupt PNG: ", text);
    longjmp(src->jump, 1);
}

/// Warnings (a bad CRC in an ancillary chunk, an unknown sRGB profile) do not stop the decode and must
/// not reach stderr, where they would mix with a script's output; the first is kept for an error message.
static void png_quiet(png_structp png, png_const_charp text) {
    png_source *src = (png_source *)png_get_error_ptr(png);
    if (!src->warning[0]) snprintf(src->warning, sizeof src->warning, "%s", text);
}

static void png_read_memory(png_structp png, png_bytep dest, size_t length) {
    png_source *src = (png_source *)png_get_io_ptr(png);
    if (length > src->size - src->offset) png_error(png, "the file is truncated (unexpected end of data)");
    memcpy(dest, src->data + src->offset, length);
    src->offset += length;
}

int cnns_png_decode(const uint8_t *data, size_t size, cnns_image_limits limits, cnns_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        set_message(out, "", "not a PNG file (bad signature)");
        return 1;
    }
    // Everything the jump may skip over lives in this struct or is volatile.
    png_source src;
    memset(&src, 0, sizeof src);
    src.data = data;
    src.size = size;
    src.out = out;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_quiet);
    if (!png) {
        set_message(out, "", "out of memory");
        return 1;
    }
    png_infop info = png_create_info_struct(png);
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(src.jump)) {
        free(rows);
        free(out->pixels);
        out->pixels = NULL;
        if (!info) set_message(out, "", "out of memory");
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        return 1;
    }
    png_set_read_fn(png, &src, png_read_memory);
    // libpng's own limit (1,000,000) would answer first with its terser message; ours is checked below.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    int channels = (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    if (check_size(out, "PNG", (long)width, (long)height, channels, limits)) {
        png_destroy_read_struct(&png, &info, NULL);
        return 1;
    }
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    // Palette expansion also turns a tRNS chunk into alpha; strip it like a real alpha channel.
    if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    if (depth == 16) png_set_swap(png);  // PNG stores big-endian; hand back native uint16_t
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int bytes = depth == 16 ? 2 : 1;
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)width * channels * bytes) {
        png_destroy_read_struct(&png, &info, NULL);
        set_message(out, "", "unexpected PNG row layout after conversion");
        return 1;
    }
    out->pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!out->pixels || !rows) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < height; y++) rows[y] = (png_bytep)out->pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->depth = depth == 16 ? 16 : 8;
    return 0;
}

// MARK: JPEG

typedef struct {
    struct jpeg_error_mgr base;  // first, so the cinfo->err pointer is also a pointer to this
    cnns_image *out;
    jmp_buf jump;
} jpeg_failure;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    set_message(failure->out, "corrupt JPEG: ", text);
    longjmp(failure->jump, 1);
}

/// libjpeg reports damaged or truncated data as a warning and fills the rest with grey; we stop
/// instead (as PIL does for truncated files), and never print.
static void jpeg_message(j_common_ptr cinfo, int level) {
    if (level < 0) jpeg_fail(cinfo);
}

int cnns_jpeg_decode(const uint8_t *data, size_t size, cnns_image_limits limits, cnns_image *out) {
    memset(out, 0, sizeof *out);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        set_message(out, "", "not a JPEG file (bad signature)");
        return 1;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    cinfo.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_fail;
    failure.base.emit_message = jpeg_message;
    failure.out = out;
    if (setjmp(failure.jump)) {
        free(out->pixels);
        out->pixels = NULL;
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int channels;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        set_message(out, "", "CMYK JPEG files are not supported (convert the file to RGB)");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    default:
        cinfo.out_color_space = JCS_RGB;
        channels = 3;
        break;
    }
    if (check_size(out, "JPEG", (long)cinfo.image_width, (long)cinfo.image_height, channels, limits)) {
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_start_decompress(&cinfo);
    size_t rowbytes = (size_t)cinfo.output_width * cinfo.output_components;
    if (cinfo.output_components != channels) {
        set_message(out, "", "unexpected JPEG output layout");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    out->pixels = malloc(rowbytes * cinfo.output_height);
    if (!out->pixels) {
        set_message(out, "", "out of memory");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = (JSAMPROW)out->pixels + (size_t)cinfo.output_scanline * rowbytes;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = channels;
    out->depth = 8;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

void cnns_image_free(cnns_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
