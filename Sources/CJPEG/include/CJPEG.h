// CJPEG: a small shim over libjpeg(-turbo) for PEFTData.
//
// Every function returns 0 on success or a non-zero PL_JPEG_* status, and fills `message` (a NUL-terminated
// sentence from libjpeg, or from the shim) on failure. libjpeg's `error_exit` is replaced by a longjmp back
// into the shim, so a corrupt file never aborts the process; `output_message` records the message instead of
// printing it. This header is not a stable API: only PEFTData calls it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Size of the message buffer in `pl_jpeg_info` (libjpeg's JMSG_LENGTH_MAX plus room for a prefix).
#define PL_JPEG_MESSAGE_MAX 256

/// Status codes.
enum {
    PL_JPEG_OK = 0,
    /// libjpeg reported a fatal error (corrupt or unsupported data); `message` says which.
    PL_JPEG_ERROR = 1,
    /// Strict mode: libjpeg reported a warning (e.g. premature end of data); `message` says which.
    PL_JPEG_WARNING_AS_ERROR = 2,
    /// The caller's output buffer is smaller than width × height × components.
    PL_JPEG_BUFFER_TOO_SMALL = 3,
    /// An argument was out of range (bad scale, component count, quality or size).
    PL_JPEG_BAD_ARGUMENT = 4,
    /// Memory allocation failed.
    PL_JPEG_OUT_OF_MEMORY = 5,
};

/// Colour layouts the decoder produces (matching the number of bytes per pixel).
enum {
    PL_JPEG_GRAY = 1,
    PL_JPEG_RGB = 3,
    /// Four bytes per pixel as stored in the file (Adobe files store inverted CMYK).
    PL_JPEG_CMYK = 4,
};

/// What a header probe or a decode learned about a JPEG stream.
typedef struct {
    /// Full image size as stored in the file.
    int image_width;
    int image_height;
    /// Output size after DCT-domain scaling by 1/scale_denom (equal to the image size at scale 1).
    int output_width;
    int output_height;
    /// Bytes per output pixel: PL_JPEG_GRAY, PL_JPEG_RGB or PL_JPEG_CMYK.
    int components;
    /// libjpeg's J_COLOR_SPACE of the file (1 grey, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK).
    int jpeg_color_space;
    /// 1 if the file is progressive.
    int progressive;
    /// Number of libjpeg warnings seen (non-strict decodes may finish with warnings).
    int num_warnings;
    /// Why the call failed, or the first warning; empty when none.
    char message[PL_JPEG_MESSAGE_MAX];
} pl_jpeg_info;

/// Reads the header of the JPEG in `data` and fills `info` with the output size at 1/`scale_denom`
/// (`scale_denom` ∈ {1, 2, 4, 8}). Cost: parses markers only, no entropy decoding.
int pl_jpeg_probe(const uint8_t *data, size_t size, int scale_denom, pl_jpeg_info *info);

/// Decodes the JPEG in `data` at 1/`scale_denom` scale into `out` (row-major, `info->components` bytes per
/// pixel, no padding). Uses libjpeg's defaults (accurate integer IDCT, fancy upsampling), which are Pillow's.
/// With `strict` non-zero any libjpeg warning (truncated data, corrupt entropy data, bad markers) fails the
/// decode with PL_JPEG_WARNING_AS_ERROR; warnings about metadata only (JFIF version, ICC profile) are allowed.
int pl_jpeg_decode(const uint8_t *data, size_t size, int scale_denom, int strict,
                   uint8_t *out, size_t out_capacity, pl_jpeg_info *info);

/// Encodes `pixels` (row-major, `components` ∈ {1 grey, 3 RGB, 4 CMYK} bytes per pixel) as a baseline or
/// progressive JPEG at `quality` (1–100) with 4:2:0 chroma subsampling for RGB. `app1`/`app1_size`, when
/// non-NULL, is written as an APP1 marker payload (e.g. "Exif\0\0" + TIFF data). On success `*out` holds a
/// buffer of `*out_size` bytes that the caller must release with `pl_jpeg_free`.
int pl_jpeg_encode(const uint8_t *pixels, int width, int height, int components, int quality,
                   int progressive, const uint8_t *app1, size_t app1_size,
                   uint8_t **out, size_t *out_size, char message[PL_JPEG_MESSAGE_MAX]);

/// Releases a buffer returned by `pl_jpeg_encode`.
void pl_jpeg_free(uint8_t *buffer);

/// libjpeg's API version (62 for libjpeg-turbo's libjpeg 6b ABI).
int pl_jpeg_version(void);

#ifdef __cplusplus
}
#endif
