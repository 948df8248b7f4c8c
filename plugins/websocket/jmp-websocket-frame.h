/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* RFC 6455 framing for the client side of a connection: frames this end
 * sends are masked and whole (FIN set); frames from the server are decoded
 * incrementally, so a payload of any size streams through without being
 * held in memory. */

#define JMP_WS_OPCODE_CONTINUATION 0x0
#define JMP_WS_OPCODE_TEXT         0x1
#define JMP_WS_OPCODE_BINARY       0x2
#define JMP_WS_OPCODE_CLOSE        0x8
#define JMP_WS_OPCODE_PING         0x9
#define JMP_WS_OPCODE_PONG         0xa

/* a masked client frame header is at most 2 + 8 + 4 bytes */
#define JMP_WS_HEADER_MAX          14
#define JMP_WS_CONTROL_MAX         125

#define JMP_WS_CLOSE_NORMAL        1000
#define JMP_WS_CLOSE_GOING_AWAY    1001
#define JMP_WS_CLOSE_PROTOCOL      1002
#define JMP_WS_CLOSE_NO_STATUS     1005
#define JMP_WS_CLOSE_ABNORMAL      1006

gsize    jmp_ws_frame_write_header  (guint8        *out,
                                     guint          opcode,
                                     guint64        payload_len,
                                     const guint8   mask[4]);
void     jmp_ws_frame_mask          (guint8        *data,
                                     gsize          len,
                                     const guint8   mask[4]);
void     jmp_ws_frame_new_mask      (guint8         mask[4]);
gsize    jmp_ws_frame_build_control (guint8        *out,
                                     guint          opcode,
                                     const guint8  *payload,
                                     gsize          len);
gsize    jmp_ws_frame_build_close   (guint8        *out,
                                     guint          code,
                                     const gchar   *reason);
gboolean jmp_ws_close_code_is_valid (guint          code);

typedef enum {
  JMP_WS_CHUNK_NONE,     /* header bytes only: feed more */
  JMP_WS_CHUNK_DATA,     /* payload bytes of a text or binary message */
  JMP_WS_CHUNK_CONTROL,  /* a whole ping, pong or close frame */
} JmpWsChunkKind;

typedef struct {
  JmpWsChunkKind  kind;
  guint           opcode;  /* CONTROL */
  const guint8   *data;    /* DATA: inside the fed bytes; CONTROL: the payload */
  gsize           len;
} JmpWsChunk;

typedef struct {
  guint8   header[JMP_WS_HEADER_MAX];
  gsize    header_len;
  guint64  remaining;      /* payload bytes left in the current frame */
  gboolean in_payload;
  guint    opcode;         /* of the current frame */
  gboolean in_message;     /* a fragmented message awaits continuations */
  guint8   control[JMP_WS_CONTROL_MAX];
  gsize    control_len;
} JmpWsDecoder;

void     jmp_ws_decoder_init        (JmpWsDecoder  *self);
gssize   jmp_ws_decoder_feed        (JmpWsDecoder  *self,
                                     const guint8  *data,
                                     gsize          len,
                                     JmpWsChunk    *chunk,
                                     GError       **error);
gboolean jmp_ws_decoder_parse_close (const JmpWsChunk *chunk,
                                     guint            *code,
                                     gchar           **reason,
                                     GError          **error);

G_END_DECLS
