// CJPEG shim: decode and encode JPEG in memory without ever letting libjpeg exit the process.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "CJPEG.h"

_Static_assert(PL_JPEG_MESSAGE_MAX > JMSG_LENGTH_MAX, "message buffer must hold a libjpeg message");

// MARK: - Error handling

/// libjpeg's error manager extended with a jump target and the caller's message buffer.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int strict;
    int warned_fatally;
    char *message;
} pl_jpeg_error;

static void pl_jpeg_record(j_common_ptr cinfo, const char *prefix) {
    pl_jpeg_error *err = (pl_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(err->message, PL_JPEG_MESSAGE_MAX, "%s%s", prefix, text);
}

/// Replaces libjpeg's exit(): record the message and jump back into the shim.
static void pl_jpeg_error_exit(j_common_ptr cinfo) {
    pl_jpeg_error *err = (pl_jpeg_error *)cinfo->err;
    pl_jpeg_record(cinfo, "");
    longjmp(err->jump, 1);
}

/// Replaces printing to stderr: keep the first message only.
static void pl_jpeg_output_message(j_common_ptr cinfo) {
    pl_jpeg_error *err = (pl_jpeg_error *)cinfo->err;
    if (err->message[0] == '\0') {
        pl_jpeg_record(cinfo, "warning: ");
    }
}

/// Warnings that concern metadata only and never the pixels.
static int pl_jpeg_benign_warning(int code) {
    return code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC || code == JWRN_ADOBE_XFORM;
}

/// msg_level < 0 is a warning; in strict mode a pixel-affecting warning aborts the decode.
static void pl_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    pl_jpeg_error *err = (pl_jpeg_error *)cinfo->err;
    if (msg_level >= 0) {
        return;  // trace messages
    }
    err->base.num_warnings++;
    if (err->strict && !pl_jpeg_benign_warning(err->base.msg_code)) {
        pl_jpeg_record(cinfo, "");
        err->warned_fatally = 1;
        longjmp(err->jump, 1);
    }
    pl_jpeg_output_message(cinfo);
}

static void pl_jpeg_install_errors(struct jpeg_error_mgr **slot, pl_jpeg_error *err, char *message, int strict) {
    memset(err, 0, sizeof(*err));
    *slot = jpeg_std_error(&err->base);
    err->base.error_exit = pl_jpeg_error_exit;
    err->base.output_message = pl_jpeg_output_message;
    err->base.emit_message = pl_jpeg_emit_message;
    err->strict = strict;
    err->message = message;
    message[0] = '\0';
}

// MARK: - Decoding

static int pl_jpeg_valid_scale(int scale_denom) {
    return scale_denom == 1 || scale_denom == 2 || scale_denom == 4 || scale_denom == 8;
}

/// Chooses the output colour space libjpeg converts to: grey stays grey, CMYK/YCCK become CMYK, the rest RGB.
static void pl_jpeg_configure(struct jpeg_decompress_struct *cinfo, int scale_denom) {
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;
        break;
    default:
        cinfo->out_color_space = JCS_RGB;
        break;
    }
    cinfo->scale_num = 1;
    cinfo->scale_denom = (unsigned int)scale_denom;
}

static void pl_jpeg_fill_info(const struct jpeg_decompress_struct *cinfo, const pl_jpeg_error *err,
                              pl_jpeg_info *info) {
    info->image_width = (int)cinfo->image_width;
    info->image_height = (int)cinfo->image_height;
    info->output_width = (int)cinfo->output_width;
    info->output_height = (int)cinfo->output_height;
    info->components = cinfo->out_color_components;
    info->jpeg_color_space = (int)cinfo->jpeg_color_space;
    info->progressive = cinfo->progressive_mode ? 1 : 0;
    info->num_warnings = (int)err->base.num_warnings;
}

int pl_jpeg_probe(const uint8_t *data, size_t size, int scale_denom, pl_jpeg_info *info) {
    memset(info, 0, sizeof(*info));
    if (!pl_jpeg_valid_scale(scale_denom) || data == NULL || size == 0) {
        snprintf(info->message, PL_JPEG_MESSAGE_MAX, "bad argument: scale 1/%d, %zu bytes", scale_denom, size);
        return PL_JPEG_BAD_ARGUMENT;
    }
    struct jpeg_decompress_struct cinfo;
    pl_jpeg_error err;
    pl_jpeg_install_errors(&cinfo.err, &err, info->message, 0);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return PL_JPEG_ERROR;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    pl_jpeg_configure(&cinfo, scale_denom);
    jpeg_calc_output_dimensions(&cinfo);
    pl_jpeg_fill_info(&cinfo, &err, info);
    jpeg_destroy_decompress(&cinfo);
    return PL_JPEG_OK;
}

int pl_jpeg_decode(const uint8_t *data, size_t size, int scale_denom, int strict,
                   uint8_t *out, size_t out_capacity, pl_jpeg_info *info) {
    memset(info, 0, sizeof(*info));
    if (!pl_jpeg_valid_scale(scale_denom) || data == NULL || size == 0 || out == NULL) {
        snprintf(info->message, PL_JPEG_MESSAGE_MAX, "bad argument: scale 1/%d, %zu bytes", scale_denom, size);
        return PL_JPEG_BAD_ARGUMENT;
    }
    struct jpeg_decompress_struct cinfo;
    pl_jpeg_error err;
    pl_jpeg_install_errors(&cinfo.err, &err, info->message, strict);
    if (setjmp(err.jump)) {
        pl_jpeg_fill_info(&cinfo, &err, info);
        int status = err.warned_fatally ? PL_JPEG_WARNING_AS_ERROR : PL_JPEG_ERROR;
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (unsigned char *)data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    pl_jpeg_configure(&cinfo, scale_denom);
    jpeg_calc_output_dimensions(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.out_color_components;
    if (stride * (size_t)cinfo.output_height > out_capacity) {
        pl_jpeg_fill_info(&cinfo, &err, info);
        snprintf(info->message, PL_JPEG_MESSAGE_MAX, "output buffer holds %zu bytes, decode needs %zu",
                 out_capacity, stride * (size_t)cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return PL_JPEG_BUFFER_TOO_SMALL;
    }
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    pl_jpeg_fill_info(&cinfo, &err, info);
    jpeg_destroy_decompress(&cinfo);
    return PL_JPEG_OK;
}

// MARK: - Encoding

int pl_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                   int progressive, const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char message[PL_JPEG_MESSAGE_MAX]) {
    message[0] = '\0';
    *out = NULL;
    *out_size = 0;
    if (pixels == NULL || width <= 0 || height <= 0 || width > 65500 || height > 65500 ||
        !(components == 1 || components == 3 || components == 4) || quality < 1 || quality > 100 ||
        (app1 != NULL && app1_size > 65533)) {
        snprintf(message, PL_JPEG_MESSAGE_MAX, "bad argument: %dx%d, %d components, quality %d",
                 width, height, components, quality);
        return PL_JPEG_BAD_ARGUMENT;
    }
    struct jpeg_compress_struct cinfo;
    pl_jpeg_error err;
    // volatile: these change after setjmp and are read after a longjmp.
    unsigned char *volatile buffer = NULL;
    unsigned long buffer_size = 0;
    pl_jpeg_install_errors(&cinfo.err, &err, message, 0);
    if (setjmp(err.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return PL_JPEG_ERROR;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : (components == 3 ? JCS_RGB : JCS_CMYK);
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) {
        jpeg_simple_progression(&cinfo);
    }
    jpeg_start_compress(&cinfo, TRUE);
    if (app1 != NULL && app1_size > 0) {
        jpeg_write_marker(&cinfo, JPEG_APP0 + 1, app1, (unsigned int)app1_size);
    }
    size_t stride = (size_t)width * (size_t)components;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = (size_t)buffer_size;
    return PL_JPEG_OK;
}

void pl_jpeg_free(uint8_t *buffer) { free(buffer); }

int pl_jpeg_version(void) { return JPEG_LIB_VERSION; }
