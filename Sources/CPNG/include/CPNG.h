// CPNG: a small shim over libpng 1.6 for PEFTData.
//
// Every function returns 0 on success or a non-zero PL_PNG_* status and fills `message` on failure. libpng's
// error callback longjmps back into the shim (a corrupt file never aborts the process) and warnings are recorded
// instead of printed. This header is not a stable API: only PEFTData calls it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Size of the message buffer in `pl_png_info`.
#define PL_PNG_MESSAGE_MAX 256

/// Status codes.
enum {
    PL_PNG_OK = 0,
    /// libpng reported an error (corrupt, truncated or unsupported data); `message` says which.
    PL_PNG_ERROR = 1,
    /// The caller's output buffer is smaller than the decoded image.
    PL_PNG_BUFFER_TOO_SMALL = 3,
    /// An argument was out of range.
    PL_PNG_BAD_ARGUMENT = 4,
    /// Memory allocation failed.
    PL_PNG_OUT_OF_MEMORY = 5,
};

/// What a header probe or a decode learned about a PNG stream.
typedef struct {
    int width;
    int height;
    /// IHDR bit depth (1, 2, 4, 8 or 16) and colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA).
    int bit_depth;
    int color_type;
    /// 1 if the file has a tRNS chunk (colour-key or palette transparency).
    int has_trns;
    /// 1 if Adam7-interlaced.
    int interlaced;
    /// Decoded layout: samples per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA) and bytes per sample (1 or 2).
    /// Palettes are expanded to RGB(A); grey below 8 bits is scaled to 8 bits (1 → 255, 2 bits × 85, 4 bits × 17);
    /// tRNS becomes an alpha channel; 16-bit samples are kept, in host byte order.
    int channels;
    int bytes_per_sample;
    /// Number of libpng warnings seen.
    int num_warnings;
    /// Why the call failed, or the first warning; empty when none.
    char message[PL_PNG_MESSAGE_MAX];
} pl_png_info;

/// Reads the PNG signature and IHDR (up to the first IDAT) and fills `info`, including the decoded layout.
int pl_png_probe(const uint8_t *data, size_t size, pl_png_info *info);

/// Decodes the PNG in `data` into `out` with the layout `pl_png_probe` reports (row-major, no padding).
/// With `strict` non-zero, libpng's benign errors (e.g. extra or truncated compressed data) and CRC errors in
/// ancillary chunks are errors, and the stream must end with a readable IEND.
int pl_png_decode(const uint8_t *data, size_t size, int strict, uint8_t *out, size_t out_capacity,
                  pl_png_info *info);

/// Encodes `pixels` as a PNG. `color_type` is 0 (grey), 2 (RGB), 3 (palette: one index byte per pixel),
/// 4 (grey+alpha) or 6 (RGBA); `bit_depth` is 8, or 16 for non-palette types with samples in host byte order.
/// For palettes, `palette` holds `palette_count` RGB triples and `trns` (optional) `trns_count` alpha values.
/// `interlace` non-zero writes Adam7. On success `*out` holds `*out_size` bytes to release with `pl_png_free`.
int pl_png_encode(const uint8_t *pixels, int width, int height, int color_type, int bit_depth,
                  const uint8_t *palette, int palette_count, const uint8_t *trns, int trns_count,
                  int interlace, uint8_t **out, size_t *out_size, char message[PL_PNG_MESSAGE_MAX]);

/// Releases a buffer returned by `pl_png_encode`.
void pl_png_free(uint8_t *buffer);

/// libpng's version number (e.g. 10639 for 1.6.39).
unsigned int pl_png_version(void);

#ifdef __cplusplus
}
#endif
