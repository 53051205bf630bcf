// CPNG shim: decode and encode PNG in memory with libpng's classic API, never letting libpng abort.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "CPNG.h"

_Static_assert(sizeof(png_color) == 3, "palette triples are passed as packed RGB bytes");

// MARK: - Error handling

/// Per-call state reachable from libpng's callbacks.
typedef struct {
    char *message;
    int num_warnings;
    const uint8_t *data;
    size_t size;
    size_t position;
} pl_png_context;

static void pl_png_error(png_structp png, png_const_charp text) {
    pl_png_context *ctx = (pl_png_context *)png_get_error_ptr(png);
    snprintf(ctx->message, PL_PNG_MESSAGE_MAX, "%s", text);
    png_longjmp(png, 1);
}

static void pl_png_warning(png_structp png, png_const_charp text) {
    pl_png_context *ctx = (pl_png_context *)png_get_error_ptr(png);
    if (ctx->num_warnings == 0) {
        snprintf(ctx->message, PL_PNG_MESSAGE_MAX, "warning: %s", text);
    }
    ctx->num_warnings++;
}

/// Reads from the in-memory file; running out of bytes is an error (the file is truncated).
static void pl_png_read(png_structp png, png_bytep dst, size_t count) {
    pl_png_context *ctx = (pl_png_context *)png_get_io_ptr(png);
    if (count > ctx->size - ctx->position) {
        png_error(png, "unexpected end of data (file truncated)");
    }
    memcpy(dst, ctx->data + ctx->position, count);
    ctx->position += count;
}

// MARK: - Decoding

/// Creates the read structs, checks the signature and installs the expanding transforms. Must be called
/// under setjmp(png_jmpbuf(png)). Leaves `info` filled with the decoded layout.
static void pl_png_begin(png_structp png, png_infop pinfo, int strict, pl_png_info *info) {
    if (strict) {
        png_set_benign_errors(png, 0);
        png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    }
    png_read_info(png, pinfo);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, pinfo, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    info->width = (int)width;
    info->height = (int)height;
    info->bit_depth = bit_depth;
    info->color_type = color_type;
    info->interlaced = interlace != PNG_INTERLACE_NONE;
    info->has_trns = png_get_valid(png, pinfo, PNG_INFO_tRNS) ? 1 : 0;

    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (info->has_trns) {
        png_set_tRNS_to_alpha(png);
    }
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) {
            png_set_swap(png);  // PNG is big-endian; hand back host order
        }
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    info->channels = png_get_channels(png, pinfo);
    info->bytes_per_sample = png_get_bit_depth(png, pinfo) == 16 ? 2 : 1;
}

static int pl_png_check_signature(const uint8_t *data, size_t size, pl_png_info *info) {
    if (data == NULL || size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "not a PNG file (bad signature)");
        return PL_PNG_ERROR;
    }
    return PL_PNG_OK;
}

int pl_png_probe(const uint8_t *data, size_t size, pl_png_info *info) {
    memset(info, 0, sizeof(*info));
    if (pl_png_check_signature(data, size, info) != PL_PNG_OK) {
        return PL_PNG_ERROR;
    }
    pl_png_context ctx = {info->message, 0, data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, pl_png_error, pl_png_warning);
    png_infop pinfo = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || pinfo == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "out of memory creating the PNG reader");
        return PL_PNG_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        info->num_warnings = ctx.num_warnings;
        png_destroy_read_struct(&png, &pinfo, NULL);
        return PL_PNG_ERROR;
    }
    png_set_read_fn(png, &ctx, pl_png_read);
    pl_png_begin(png, pinfo, 0, info);
    info->num_warnings = ctx.num_warnings;
    png_destroy_read_struct(&png, &pinfo, NULL);
    return PL_PNG_OK;
}

int pl_png_decode(const uint8_t *data, size_t size, int strict, uint8_t *out, size_t out_capacity,
                  pl_png_info *info) {
    memset(info, 0, sizeof(*info));
    if (pl_png_check_signature(data, size, info) != PL_PNG_OK) {
        return PL_PNG_ERROR;
    }
    if (out == NULL) {
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "bad argument: no output buffer");
        return PL_PNG_BAD_ARGUMENT;
    }
    pl_png_context ctx = {info->message, 0, data, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, pl_png_error, pl_png_warning);
    png_infop pinfo = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || pinfo == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "out of memory creating the PNG reader");
        return PL_PNG_OUT_OF_MEMORY;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        info->num_warnings = ctx.num_warnings;
        free(rows);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return PL_PNG_ERROR;
    }
    png_set_read_fn(png, &ctx, pl_png_read);
    pl_png_begin(png, pinfo, strict, info);
    size_t stride = png_get_rowbytes(png, pinfo);
    size_t needed = stride * (size_t)info->height;
    if (stride != (size_t)info->width * (size_t)(info->channels * info->bytes_per_sample) || needed > out_capacity) {
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "output buffer holds %zu bytes, decode needs %zu",
                 out_capacity, needed);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return PL_PNG_BUFFER_TOO_SMALL;
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)info->height);
    if (rows == NULL) {
        snprintf(info->message, PL_PNG_MESSAGE_MAX, "out of memory for %d row pointers", info->height);
        png_destroy_read_struct(&png, &pinfo, NULL);
        return PL_PNG_OUT_OF_MEMORY;
    }
    for (int y = 0; y < info->height; y++) {
        rows[y] = out + (size_t)y * stride;
    }
    png_read_image(png, rows);
    if (strict) {
        png_read_end(png, NULL);
    }
    info->num_warnings = ctx.num_warnings;
    free(rows);
    png_destroy_read_struct(&png, &pinfo, NULL);
    return PL_PNG_OK;
}

// MARK: - Encoding

/// A growable output buffer for png_set_write_fn.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} pl_png_sink;

static void pl_png_write(png_structp png, png_bytep src, size_t count) {
    pl_png_sink *sink = (pl_png_sink *)png_get_io_ptr(png);
    if (count > sink->capacity - sink->size) {
        size_t capacity = sink->capacity ? sink->capacity : 4096;
        while (count > capacity - sink->size) {
            capacity *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(sink->data, capacity);
        if (grown == NULL) {
            png_error(png, "out of memory growing the PNG output buffer");
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, src, count);
    sink->size += count;
}

static void pl_png_flush(png_structp png) { (void)png; }

static int pl_png_samples(int color_type) {
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_PALETTE: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 0;
    }
}

int pl_png_encode(const uint8_t *pixels, int width, int height, int color_type, int bit_depth,
                  const uint8_t *palette, int palette_count, const uint8_t *trns, int trns_count,
                  int interlace, uint8_t **out, size_t *out_size, char message[PL_PNG_MESSAGE_MAX]) {
    message[0] = '\0';
    *out = NULL;
    *out_size = 0;
    int samples = pl_png_samples(color_type);
    int palette_ok = color_type != PNG_COLOR_TYPE_PALETTE ||
                     (palette != NULL && palette_count >= 1 && palette_count <= 256 && bit_depth == 8 &&
                      trns_count >= 0 && trns_count <= palette_count);
    if (pixels == NULL || width <= 0 || height <= 0 || samples == 0 || !(bit_depth == 8 || bit_depth == 16) ||
        !palette_ok) {
        snprintf(message, PL_PNG_MESSAGE_MAX, "bad argument: %dx%d, colour type %d, bit depth %d",
                 width, height, color_type, bit_depth);
        return PL_PNG_BAD_ARGUMENT;
    }
    pl_png_context ctx = {message, 0, NULL, 0, 0};
    pl_png_sink sink = {NULL, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, pl_png_error, pl_png_warning);
    png_infop pinfo = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || pinfo == NULL) {
        png_destroy_write_struct(&png, NULL);
        snprintf(message, PL_PNG_MESSAGE_MAX, "out of memory creating the PNG writer");
        return PL_PNG_OUT_OF_MEMORY;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(sink.data);
        png_destroy_write_struct(&png, &pinfo);
        return PL_PNG_ERROR;
    }
    png_set_write_fn(png, &sink, pl_png_write, pl_png_flush);
    png_set_IHDR(png, pinfo, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_PLTE(png, pinfo, (png_const_colorp)palette, palette_count);
        if (trns != NULL && trns_count > 0) {
            png_set_tRNS(png, pinfo, trns, trns_count, NULL);
        }
    }
    png_write_info(png, pinfo);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const uint8_t *)&probe == 1) {
            png_set_swap(png);
        }
    }
    if (interlace) {
        png_set_interlace_handling(png);
    }
    size_t stride = (size_t)width * (size_t)samples * (size_t)(bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (rows == NULL) {
        png_error(png, "out of memory for row pointers");
    }
    for (int y = 0; y < height; y++) {
        rows[y] = (png_bytep)(pixels + (size_t)y * stride);
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &pinfo);
    *out = sink.data;
    *out_size = sink.size;
    return PL_PNG_OK;
}

void pl_png_free(uint8_t *buffer) { free(buffer); }

unsigned int pl_png_version(void) { return (unsigned int)png_access_version_number(); }
