/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "jmp-client.h"
#include "jmp-driver-proxy.h"
#include "jmp-network-proxy.h"
#include "jmp-video-proxy.h"
#include "jmp-dbus-generated.h"
#include "jmp-exporter-names.h"

G_BEGIN_DECLS

#define JMP_HOST_OBJECT_PATH        "/dev/jumpstarter/Host1"
#define JMP_DRIVER_OBJECT_PATH      JMP_HOST_OBJECT_PATH "/driver"
#define JMP_DRIVER_INTERFACE        "dev.jumpstarter.Driver1"
#define JMP_NETWORK_INTERFACE       "dev.jumpstarter.Network1"
#define JMP_VIDEO_INTERFACE         "dev.jumpstarter.Video1"

/* One row of Host1.ListDrivers(). */
#define JMP_DRIVER_INFO_ROW_TYPE    "(ossssssa{ss}a{ss})"

JmpDriverProxy  *jmp_driver_proxy_new_for_object (GDBusObject     *object);
JmpDriverInfo   *jmp_driver_info_new_from_row    (GVariant        *row);
GVariant        *jmp_client_unpack_rows          (GVariant        *bytes,
                                                  GError         **error);
JmpNetworkProxy *jmp_network_proxy_new_for_proxy (JmpDBusNetwork1 *proxy);
JmpVideoProxy   *jmp_video_proxy_new_for_proxy   (JmpDBusVideo1   *proxy);

JmpDBusHost1    *jmp_client_get_host_proxy       (JmpClient       *self);

/* jmp-client.c: the drivers a client without the tree looked up, which it
 * follows until they leave (jmp-client-lookup.c). */
typedef struct _JmpClientObject JmpClientObject;
JmpDriverProxy  *jmp_client_add_looked_up        (JmpClient       *self,
                                                  JmpClientObject *object);
JmpDriverProxy  *jmp_client_find_looked_up       (JmpClient       *self,
                                                  const gchar     *path);
void             jmp_client_set_not_found        (JmpClient       *self,
                                                  const gchar     *path,
                                                  GPtrArray       *names,
                                                  GError         **error);

/* Turns an error of a D-Bus call into %JMP_ERROR with the remote prefix
 * stripped, so that every caller shows the host's own message. */
void             jmp_client_error_from_dbus      (GError         **error);

typedef gpointer (*JmpClientNewForElement) (GVariant *element);
GPtrArray       *jmp_client_objects_from_array  (GVariant               *array,
                                                 JmpClientNewForElement  new_for_element);

/* A new string → string table from an a{ss} variant (or an empty one). */
GHashTable      *jmp_client_hash_from_variant    (GVariant        *value);

G_END_DECLS
