/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Unaligned big- and little-endian loads and stores. ITCH puts integers at odd
 * offsets; a memcpy into a local is the portable way to read them, and gcc/clang
 * turn memcpy + bswap into a single movbe/load+bswap. Casting a packed struct
 * pointer would be undefined behaviour on unaligned data. */
#ifndef BLANC_BYTES_H
#define BLANC_BYTES_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define blanc_likely(x) __builtin_expect(!!(x), 1)
#define blanc_unlikely(x) __builtin_expect(!!(x), 0)
#define blanc_bswap16(x) __builtin_bswap16(x)
#define blanc_bswap32(x) __builtin_bswap32(x)
#define blanc_bswap64(x) __builtin_bswap64(x)
#else
#error "Blanc needs gcc or clang builtins"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Blanc assumes a little-endian host (see docs/ARCHITECTURE.md)"
#endif

static inline uint16_t blanc_be16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return blanc_bswap16(v);
}

static inline uint32_t blanc_be32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return blanc_bswap32(v);
}

static inline uint64_t blanc_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return blanc_bswap64(v);
}

/* 48-bit ITCH timestamp. */
static inline uint64_t blanc_be48(const uint8_t *p)
{
    return ((uint64_t)blanc_be16(p) << 32) | blanc_be32(p + 2);
}

static inline void blanc_put_be16(uint8_t *p, uint16_t v)
{
    v = blanc_bswap16(v);
    memcpy(p, &v, 2);
}

static inline void blanc_put_be32(uint8_t *p, uint32_t v)
{
    v = blanc_bswap32(v);
    memcpy(p, &v, 4);
}

static inline void blanc_put_be64(uint8_t *p, uint64_t v)
{
    v = blanc_bswap64(v);
    memcpy(p, &v, 8);
}

static inline void blanc_put_be48(uint8_t *p, uint64_t v)
{
    blanc_put_be16(p, (uint16_t)(v >> 32));
    blanc_put_be32(p + 2, (uint32_t)v);
}

static inline uint16_t blanc_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t blanc_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t blanc_le64(const uint8_t *p)
{
    return (uint64_t)blanc_le32(p) | (uint64_t)blanc_le32(p + 4) << 32;
}

static inline void blanc_put_le32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void blanc_put_le64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

#endif
