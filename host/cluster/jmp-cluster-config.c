/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "jmp-cluster-config.h"
#include "jmp-config-private.h"

void
jmp_cluster_config_free (JmpClusterConfig *self)
{
  g_free (self->endpoint);
  g_free (self->token);
  g_free (self->namespace);
  g_free (self->name);
  g_free (self->ca_pem);
  g_clear_pointer (&self->grpc_options, json_object_unref);
  g_free (self);
}

/* A string member, or %NULL when absent or null; an error otherwise. */
static gboolean
jmp_cluster_config_string (JsonObject   *object,
                           const gchar  *place,
                           const gchar  *key,
                           gchar       **out,
                           GError      **error)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s%s: must be a string"), place, key);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static JsonObject *
jmp_cluster_config_object (JsonObject   *object,
                           const gchar  *key,
                           GError      **error)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, key) : NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: must be a mapping"), key);
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
jmp_cluster_config_tls (JmpClusterConfig  *self,
                        JsonObject        *tls,
                        GError           **error)
{
  g_autofree gchar *ca = NULL;
  JsonNode *insecure;

  if (tls == NULL)
    return TRUE;
  if (!jmp_cluster_config_string (tls, "tls.", "ca", &ca, error))
    return FALSE;
  if (ca != NULL && *ca != '\0')
    {
      gsize len = 0;
      g_autofree guchar *pem = g_base64_decode (g_strstrip (ca), &len);

      if (len == 0 || memchr (pem, '\0', len) != NULL ||
          g_strstr_len ((const gchar *) pem, len, "-----BEGIN CERTIFICATE-----") == NULL)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("tls.ca: not the base64 of a PEM certificate bundle"));
          return FALSE;
        }
      self->ca_pem = g_strndup ((const gchar *) pem, len);
    }
  insecure = json_object_get_member (tls, "insecure");
  if (insecure != NULL && !JSON_NODE_HOLDS_NULL (insecure))
    {
      if (!JSON_NODE_HOLDS_VALUE (insecure) ||
          json_node_get_value_type (insecure) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("tls.insecure: must be true or false"));
          return FALSE;
        }
      self->insecure = json_node_get_boolean (insecure);
    }
  return TRUE;
}

/**
 * jmp_cluster_config_new:
 * @config: a loaded exporter config
 *
 * Returns: (nullable): the cluster settings, or %NULL without @error set
 *   when the config has no `endpoint` (a local host only)
 */
JmpClusterConfig *
jmp_cluster_config_new (JmpConfig  *config,
                        GError    **error)
{
  g_autoptr(JmpClusterConfig) self = g_new0 (JmpClusterConfig, 1);
  JsonNode *root = jmp_config_get_node (config);
  JsonObject *object = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonObject *metadata, *tls, *options;
  GError *local_error = NULL;
  const gchar *origin = jmp_config_get_origin (config);

  if (!jmp_cluster_config_string (object, "", "endpoint", &self->endpoint, &local_error))
    goto fail;
  if (self->endpoint == NULL || *self->endpoint == '\0')
    return NULL;
  if (!jmp_cluster_config_string (object, "", "token", &self->token, &local_error))
    goto fail;
  if (self->token == NULL || *self->token == '\0')
    {
      g_set_error (&local_error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("token: missing; an exporter needs the token its cluster gave it"));
      goto fail;
    }
  metadata = jmp_cluster_config_object (object, "metadata", &local_error);
  if (local_error != NULL ||
      !jmp_cluster_config_string (metadata, "metadata.", "namespace", &self->namespace, &local_error))
    goto fail;
  if (self->namespace == NULL)
    self->namespace = g_strdup ("default");
  self->name = g_strdup (jmp_config_get_name (config));
  if (self->name == NULL || *self->name == '\0')
    {
      g_set_error (&local_error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("metadata.name: missing; the cluster knows an exporter by it"));
      goto fail;
    }
  tls = jmp_cluster_config_object (object, "tls", &local_error);
  if (local_error != NULL || !jmp_cluster_config_tls (self, tls, &local_error))
    goto fail;
  options = jmp_cluster_config_object (object, "grpcOptions", &local_error);
  if (local_error != NULL)
    goto fail;
  if (options != NULL)
    self->grpc_options = json_object_ref (options);
  return g_steal_pointer (&self);

fail:
  g_propagate_prefixed_error (error, local_error, "%s: ", origin ?: "config");
  return NULL;
}
