/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>
#include <jumpstarter/jumpstarter.h>

#include "jmp-http-video.h"
#include "jmp-ustreamer.h"

static gboolean
jmp_ustreamer_plugin_register (JmpRegistry *registry, GError **error)
{
  /* Jumpstarter's class paths are kept as aliases so its configs load as they are */
  const gchar *ustreamer_aliases[] = { "jumpstarter_driver_ustreamer.driver.UStreamer", NULL };
  const gchar *http_video_aliases[] = { "jumpstarter_driver_video.driver.HttpVideo", NULL };

  return jmp_registry_add_type (registry, "UStreamer", JMP_TYPE_USTREAMER,
                                ustreamer_aliases, error) &&
         jmp_registry_add_type (registry, "HttpVideo", JMP_TYPE_HTTP_VIDEO,
                                http_video_aliases, error);
}

JMP_PLUGIN_DEFINE ("ustreamer", PACKAGE_VERSION,
                   N_("Video from ustreamer (a child process on a private socket) and from HTTP MJPEG sources"),
                   jmp_ustreamer_plugin_register)
