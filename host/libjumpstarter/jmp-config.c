/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "jmp-error.h"
#include "jmp-config.h"
#include "jmp-config-private.h"
#include "jmp-json-private.h"

/**
 * JmpConfig:
 *
 * An exporter config, in Jumpstarter's format, read from YAML or JSON:
 *
 * ```yaml
 * apiVersion: jumpstarter.dev/v1alpha1
 * kind: ExporterConfig
 * metadata: {name: bench-3, labels: {board: rpi4}}
 * motd: "text shown on shell entry"
 * export:
 *   ssh: {type: TcpNetwork, config: {host: 192.168.1.2, port: 22}}
 * ```
 *
 * A top-level `description` becomes the root driver's.
 *
 * Loading checks the file's syntax and the shape of every `export:` entry;
 * jmp_config_build() then checks each entry's `config:` against its driver
 * type and makes the drivers. Keys that only Jumpstarter's distributed mode
 * uses (`endpoint`, `token`, `tls`, `grpcOptions`, `hooks`, …) and keys
 * this version does not know at the top level are ignored with a debug
 * message, so a real Jumpstarter file loads as it is.
 *
 * Errors are in the %JMP_ERROR domain and start with the file name, then
 * a line and column for syntax errors or the place of the value otherwise:
 * `bench.yaml: export.net.config.port: 70000 is out of range 1–65535`.
 */

struct _JmpConfig
{
  GObject         parent_instance;

  gchar          *origin;
  JsonNode       *root;
  gchar          *name;
  gchar          *description;
  gchar          *motd;
  GHashTable     *labels;
  JmpConfigEntry *export;
};

G_DEFINE_FINAL_TYPE (JmpConfig, jmp_config, G_TYPE_OBJECT)

#define JMP_CONFIG_API_VERSION "jumpstarter.dev/v1alpha1"
#define JMP_CONFIG_KIND        "ExporterConfig"

/* A config is a few kilobytes; this only stops `--config /dev/zero`. */
#define JMP_CONFIG_MAX_SIZE    (4 * 1024 * 1024)

/* Used by Jumpstarter's distributed mode (a controller, leases), not by the
 * driver tree: accepted so that the same file serves both. The host's
 * cluster client (host/cluster) reads endpoint, token, tls and grpcOptions
 * from the document itself (jmp_config_get_node()). */
static const gchar *jmp_config_ignored_keys[] = {
  "endpoint", "token", "tls", "grpcOptions", "grpcConfig", "hooks",
  "failureDetection", "exitOnLeaseEnd",
};

static void
jmp_config_finalize (GObject *object)
{
  JmpConfig *self = JMP_CONFIG (object);

  g_free (self->origin);
  g_clear_pointer (&self->root, json_node_unref);
  g_free (self->name);
  g_free (self->description);
  g_free (self->motd);
  g_hash_table_unref (self->labels);
  g_clear_object (&self->export);

  G_OBJECT_CLASS (jmp_config_parent_class)->finalize (object);
}

static void
jmp_config_class_init (JmpConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = jmp_config_finalize;
}

static void
jmp_config_init (JmpConfig *self)
{
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* errno says why; closes @fd */
static gboolean
jmp_config_read_failed (const gchar *filename, int fd, GError **error)
{
  int errsv = errno;

  g_set_error (error, JMP_ERROR, JMP_ERROR_FAILED,
               _("%s: cannot read the exporter config: %s"),
               filename, g_strerror (errsv));
  close (fd);
  return FALSE;
}

static gboolean
jmp_config_read_file (const gchar  *filename,
                      gchar       **data_out,
                      gsize        *length_out,
                      GError      **error)
{
  g_autoptr(GByteArray) buf = NULL;
  struct stat st;
  int fd;

  /* O_NONBLOCK: opening a FIFO nobody writes to would wait forever (at
   * start, or in a reload's worker); fstat() then refuses it */
  fd = g_open (filename, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, JMP_ERROR,
                   errsv == ENOENT ? JMP_ERROR_NOT_FOUND : JMP_ERROR_FAILED,
                   _("%s: cannot open the exporter config: %s"),
                   filename, g_strerror (errsv));
      return FALSE;
    }
  if (fstat (fd, &st) != 0)
    return jmp_config_read_failed (filename, fd, error);
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: is a directory, not an exporter config"), filename);
      close (fd);
      return FALSE;
    }
  /* Regular files only: a pipe or a device can block or never end, and
   * cannot be read again on a reload */
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: not a regular file; an exporter config must be one"), filename);
      close (fd);
      return FALSE;
    }

  buf = g_byte_array_new ();
  for (;;)
    {
      guint8 chunk[8192];
      gssize n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return jmp_config_read_failed (filename, fd, error);
      if (n == 0)
        break;
      if (buf->len + (gsize) n > JMP_CONFIG_MAX_SIZE)
        {
          g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                       _("%s: the file is larger than %u bytes; it is not an exporter config"),
                       filename, (guint) JMP_CONFIG_MAX_SIZE);
          close (fd);
          return FALSE;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  close (fd);

  *length_out = buf->len;
  g_byte_array_append (buf, (const guint8 *) "", 1);
  *data_out = (gchar *) g_byte_array_free (g_steal_pointer (&buf), FALSE);
  return TRUE;
}

/* Refuse deep or huge documents before parsing, with the same bounds as
 * YAML, and text after the document (see jmp-json.c). */
static gboolean
jmp_config_check_json_bounds (const gchar  *data,
                              gsize         length,
                              const gchar  *origin,
                              GError      **error)
{
  guint line;

  switch (jmp_json_scan_text (data, length, JMP_CONFIG_MAX_DEPTH, JMP_CONFIG_MAX_NODES, &line))
    {
    case JMP_JSON_TEXT_TOO_DEEP:
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s:%u: values are nested more than %u levels deep"),
                   origin, line, (guint) JMP_CONFIG_MAX_DEPTH);
      return FALSE;
    case JMP_JSON_TEXT_TOO_MANY_VALUES:
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s:%u: the document has more than %u values"),
                   origin, line, (guint) JMP_CONFIG_MAX_NODES);
      return FALSE;
    case JMP_JSON_TEXT_TRAILING:
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s:%u: more text after the end of the document"), origin, line);
      return FALSE;
    case JMP_JSON_TEXT_OK:
      break;
    }
  return TRUE;
}

typedef struct {
  GHashTable *seen;       /* JsonObject → members parsed so far */
  gchar      *duplicate;
  guint       line;
} JmpConfigJsonDup;

/* json-glib keeps the last of two equal keys without a word; a config
 * where one silently hides the other is an error. "object-member" comes
 * after the member is set, so a member that did not grow the object is a
 * repeated key. */
static void
jmp_config_json_object_member (JsonParser  *parser,
                               JsonObject  *object,
                               const gchar *member_name,
                               gpointer     user_data)
{
  JmpConfigJsonDup *dup = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (dup->seen, object)) + 1;

  g_hash_table_insert (dup->seen, object, GUINT_TO_POINTER (n));
  if (n > json_object_get_size (object) && dup->duplicate == NULL)
    {
      dup->duplicate = g_strdup (member_name);
      dup->line = json_parser_get_current_line (parser);
    }
}

static JsonNode *
jmp_config_parse_json (const gchar  *data,
                       gsize         length,
                       const gchar  *origin,
                       GError      **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JmpConfigJsonDup dup = { 0 };
  JsonNode *root;

  if (!g_utf8_validate (data, (gssize) length, NULL))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: the file is not valid UTF-8 text"), origin);
      return NULL;
    }
  if (!jmp_config_check_json_bounds (data, length, origin, error))
    return NULL;

  parser = json_parser_new_immutable ();
  dup.seen = g_hash_table_new (NULL, NULL);
  g_signal_connect (parser, "object-member", G_CALLBACK (jmp_config_json_object_member), &dup);
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      const gchar *msg = local_error->message;

      g_hash_table_unref (dup.seen);
      g_free (dup.duplicate);
      /* json-glib says "<data>:LINE:COL: Parse error: …"; name the file. */
      if (g_str_has_prefix (msg, "<data>:"))
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     "%s:%s", origin, msg + strlen ("<data>:"));
      else
        g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                     _("%s: invalid JSON: %s"), origin, msg);
      return NULL;
    }
  g_hash_table_unref (dup.seen);
  if (dup.duplicate != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s:%u: duplicate key \"%s\""), origin, dup.line, dup.duplicate);
      g_free (dup.duplicate);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL)
    return json_node_new (JSON_NODE_NULL);
  return json_node_ref (root);
}

static gboolean
jmp_config_is_blank (const gchar *data,
                     gsize        length,
                     gsize       *first)
{
  gsize i = 0;

  /* A UTF-8 byte order mark is not content. */
  if (length >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  for (; i < length; i++)
    {
      if (!g_ascii_isspace (data[i]))
        {
          *first = i;
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
jmp_config_expect_string (JsonNode     *node,
                          const gchar  *place,
                          gchar       **out,
                          GError      **error)
{
  g_autofree gchar *got = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_free (*out);
      *out = g_strdup (json_node_get_string (node));
      return TRUE;
    }
  got = jmp_config_describe_node (node);
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s: expected a string, got %s%s"), place, got,
               JSON_NODE_HOLDS_VALUE (node) ? _(" (put the value in quotes to make it a string)") : "");
  return FALSE;
}

static gboolean
jmp_config_check_literal (JsonNode     *node,
                          const gchar  *key,
                          const gchar  *expected,
                          GError      **error)
{
  g_autofree gchar *got = NULL;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING &&
      g_str_equal (json_node_get_string (node), expected))
    return TRUE;
  got = jmp_config_describe_node (node);
  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
               _("%s: expected \"%s\", got %s"), key, expected, got);
  return FALSE;
}

static gboolean
jmp_config_load_metadata (JmpConfig  *self,
                          JsonNode   *node,
                          GError    **error)
{
  JsonObject *object;
  g_autoptr(GList) members = NULL;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree gchar *got = jmp_config_describe_node (node);
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("metadata: expected a mapping with name and namespace, got %s"), got);
      return FALSE;
    }

  object = json_node_get_object (node);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      JsonNode *member = json_object_get_member (object, key);

      if (g_str_equal (key, "name"))
        {
          if (!jmp_config_expect_string (member, "metadata.name", &self->name, error))
            return FALSE;
        }
      else if (g_str_equal (key, "labels"))
        {
          JsonObject *labels;
          g_autoptr(GList) names = NULL;

          if (JSON_NODE_HOLDS_NULL (member))
            continue;
          if (!JSON_NODE_HOLDS_OBJECT (member))
            {
              g_autofree gchar *got = jmp_config_describe_node (member);
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("metadata.labels: expected a mapping of strings, got %s"), got);
              return FALSE;
            }
          labels = json_node_get_object (member);
          names = json_object_get_members (labels);
          for (GList *n = names; n != NULL; n = n->next)
            {
              g_autofree gchar *place = g_strdup_printf ("metadata.labels.%s", (const gchar *) n->data);
              JsonNode *value = json_object_get_member (labels, n->data);
              g_autofree gchar *text = NULL;

              /* A label is a string; null is not "absent" here. */
              if (JSON_NODE_HOLDS_NULL (value))
                {
                  g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                               _("%s: expected a string, got null"), place);
                  return FALSE;
                }
              if (!jmp_config_expect_string (value, place, &text, error))
                return FALSE;
              g_hash_table_insert (self->labels, g_strdup (n->data), g_steal_pointer (&text));
            }
        }
      else
        {
          /* namespace, annotations, uid…: the controller's business. */
          g_debug ("%s: metadata.%s is not used by the local host; ignored", self->origin, key);
        }
    }
  return TRUE;
}

static gboolean
jmp_config_load_root (JmpConfig  *self,
                      JsonNode   *root,
                      GError    **error)
{
  JsonObject *object;
  JsonObject *export = NULL;
  g_autoptr(GList) members = NULL;

  if (JSON_NODE_HOLDS_NULL (root))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("the file is empty; an exporter config needs at least an \"export\" mapping"));
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_autofree gchar *got = jmp_config_describe_node (root);
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("expected a mapping with apiVersion, kind, metadata and export at the top level, got %s"),
                   got);
      return FALSE;
    }

  object = json_node_get_object (root);
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const gchar *key = l->data;
      JsonNode *member = json_object_get_member (object, key);

      if (g_str_equal (key, "apiVersion"))
        {
          if (!jmp_config_check_literal (member, key, JMP_CONFIG_API_VERSION, error))
            return FALSE;
        }
      else if (g_str_equal (key, "kind"))
        {
          if (!jmp_config_check_literal (member, key, JMP_CONFIG_KIND, error))
            return FALSE;
        }
      else if (g_str_equal (key, "metadata"))
        {
          if (!jmp_config_load_metadata (self, member, error))
            return FALSE;
        }
      else if (g_str_equal (key, "description"))
        {
          if (!jmp_config_expect_string (member, key, &self->description, error))
            return FALSE;
        }
      else if (g_str_equal (key, "motd"))
        {
          if (!jmp_config_expect_string (member, key, &self->motd, error))
            return FALSE;
        }
      else if (g_str_equal (key, "export"))
        {
          /* `export:` with nothing under it is YAML's null: no drivers. */
          if (JSON_NODE_HOLDS_NULL (member))
            continue;
          if (!JSON_NODE_HOLDS_OBJECT (member))
            {
              g_autofree gchar *got = jmp_config_describe_node (member);
              g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                           _("export: expected a mapping of names to drivers, got %s"), got);
              return FALSE;
            }
          export = json_node_get_object (member);
        }
      else if (g_strv_contains (jmp_config_ignored_keys, key))
        {
          g_debug ("%s: %s is not used by the local host; ignored", self->origin, key);
        }
      else
        {
          /* Jumpstarter adds keys over time; a newer file must still load. */
          g_debug ("%s: unknown top-level key %s; ignored", self->origin, key);
        }
    }

  self->export = jmp_config_entry_new_root (export, self->description, error);
  if (self->export == NULL)
    return FALSE;

  /* Jumpstarter names an exporter config file after the exporter. */
  if (self->name == NULL)
    {
      g_autofree gchar *base = g_path_get_basename (self->origin);
      gchar *dot = strrchr (base, '.');

      if (dot != NULL && dot != base)
        *dot = '\0';
      self->name = g_strdup (g_str_equal (self->origin, "<data>") ? "exporter" : base);
    }
  return TRUE;
}

/**
 * jmp_config_new_from_data:
 * @data: (array length=length) (element-type guint8): the text of a config
 * @length: length of @data in bytes, or -1 if it is nul-terminated
 * @origin: (nullable): where @data comes from, for error messages and the
 *   format: a name ending in `.json` is read as JSON
 * @error: return location for a #GError
 *
 * Parses an exporter config. It is JSON if @origin ends in `.json` or the
 * text starts with `{` or `[`, and YAML otherwise; a YAML flow mapping
 * that is not valid JSON is still read as YAML.
 *
 * Errors are %JMP_ERROR_INVALID_ARGS; messages start with @origin.
 *
 * Returns: (transfer full): a new #JmpConfig, or %NULL with @error set
 */
JmpConfig *
jmp_config_new_from_data (const gchar  *data,
                          gssize        length,
                          const gchar  *origin,
                          GError      **error)
{
  g_autoptr(JmpConfig) self = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize len;
  gsize first = 0;
  gboolean json_name;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  len = length < 0 ? strlen (data) : (gsize) length;

  self = g_object_new (JMP_TYPE_CONFIG, NULL);
  self->origin = g_strdup (origin != NULL ? origin : "<data>");

  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: the file contains a NUL byte; it is not text"), self->origin);
      return NULL;
    }
  if (jmp_config_is_blank (data, len, &first))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("%s: the file is empty; an exporter config needs at least an \"export\" mapping"),
                   self->origin);
      return NULL;
    }

  json_name = g_str_has_suffix (self->origin, ".json") || g_str_has_suffix (self->origin, ".JSON");
  if (json_name || data[first] == '{' || data[first] == '[')
    {
      g_autoptr(GError) json_error = NULL;

      /* Only the byte order mark is skipped, so that lines still count. */
      gsize bom = len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

      root = jmp_config_parse_json (data + bom, len - bom, self->origin, &json_error);
      if (root == NULL && !json_name)
        {
          /* YAML is a superset of most JSON: `{a: b}` is YAML only. */
          root = jmp_config_yaml_parse (data, len, self->origin, NULL);
          if (root != NULL)
            g_debug ("%s: not JSON (%s); read as YAML", self->origin, json_error->message);
        }
      if (root == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&json_error));
          return NULL;
        }
    }
  else
    {
      root = jmp_config_yaml_parse (data, len, self->origin, error);
      if (root == NULL)
        return NULL;
    }

  if (!jmp_config_load_root (self, root, error))
    {
      g_prefix_error (error, "%s: ", self->origin);
      return NULL;
    }
  self->root = g_steal_pointer (&root);
  return g_steal_pointer (&self);
}

/**
 * jmp_config_new_from_file:
 * @filename: (type filename): path of an exporter config
 * @error: return location for a #GError
 *
 * Reads and parses an exporter config, see jmp_config_new_from_data().
 * A missing file is %JMP_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): a new #JmpConfig, or %NULL with @error set
 */
JmpConfig *
jmp_config_new_from_file (const gchar  *filename,
                          GError      **error)
{
  g_autofree gchar *data = NULL;
  gsize length = 0;

  g_return_val_if_fail (filename != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_config_read_file (filename, &data, &length, error))
    return NULL;
  return jmp_config_new_from_data (data, (gssize) length, filename, error);
}

/**
 * jmp_config_get_origin:
 * @self: a config
 *
 * Gets where the config was read from, as error messages name it.
 *
 * Returns: the file name the config was read from, or the origin given to
 *   jmp_config_new_from_data() (`<data>` if none)
 */
const gchar *
jmp_config_get_origin (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->origin;
}

/**
 * jmp_config_get_name:
 * @self: a config
 *
 * Gets the exporter's name.
 *
 * Returns: the exporter's name, `metadata.name`; without one, the file
 *   name without its extension (`bench-3.yaml` → `bench-3`), as Jumpstarter
 *   names config files after their exporter
 */
const gchar *
jmp_config_get_name (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->name;
}

/**
 * jmp_config_get_description:
 * @self: a config
 *
 * Gets the config's top-level description.
 *
 * Returns: (nullable): the top-level `description`, the root driver's
 */
const gchar *
jmp_config_get_description (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->description;
}

/**
 * jmp_config_get_motd:
 * @self: a config
 *
 * Gets the config's message of the day, `motd`.
 *
 * Returns: (nullable): the message of the day shown when a shell starts
 */
const gchar *
jmp_config_get_motd (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->motd;
}

JsonNode *
jmp_config_get_node (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->root;
}

/**
 * jmp_config_get_labels:
 * @self: a config
 *
 * Gets the exporter's labels.
 *
 * Returns: (transfer none) (element-type utf8 utf8): the exporter's
 *   labels, `metadata.labels`; empty if there are none
 */
GHashTable *
jmp_config_get_labels (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->labels;
}

/**
 * jmp_config_get_export:
 * @self: a config
 *
 * Gets the tree of entries under `export:`.
 *
 * Returns: (transfer none): the root entry, standing for `export:`; its
 *   children are the exported drivers in the order of the file
 */
JmpConfigEntry *
jmp_config_get_export (JmpConfig *self)
{
  g_return_val_if_fail (JMP_IS_CONFIG (self), NULL);

  return self->export;
}

static gboolean
jmp_config_valid_alias (const gchar *alias)
{
  return alias[0] != '\0' && strchr (alias, '/') == NULL &&
         !g_str_equal (alias, ".") && !g_str_equal (alias, "..");
}

/**
 * jmp_config_find_exporter:
 * @alias: an exporter's name, e.g. `bench-3`
 * @error: return location for a #GError
 *
 * Finds the config of the exporter @alias the way Jumpstarter does:
 * `$XDG_CONFIG_HOME/jumpstarter/exporters/ALIAS.yaml` first, then
 * `SYSCONFDIR/jumpstarter/exporters/ALIAS.yaml` and
 * `/etc/jumpstarter/exporters/ALIAS.yaml`.
 *
 * Returns: (transfer full) (type filename): the path of the first that
 *   exists, or %NULL with %JMP_ERROR_NOT_FOUND listing the places looked at
 *   (%JMP_ERROR_INVALID_ARGS if @alias is not a plain name)
 */
gchar *
jmp_config_find_exporter (const gchar  *alias,
                          GError      **error)
{
  g_autofree gchar *basename = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) looked = g_string_new (NULL);
  const gchar *dirs[3];

  g_return_val_if_fail (alias != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!jmp_config_valid_alias (alias))
    {
      g_set_error (error, JMP_ERROR, JMP_ERROR_INVALID_ARGS,
                   _("\"%s\" is not an exporter name: a name is not empty and has no \"/\""),
                   alias);
      return NULL;
    }

  basename = g_strconcat (alias, ".yaml", NULL);
  dirs[0] = g_get_user_config_dir ();
  dirs[1] = JMP_SYSCONFDIR;
  dirs[2] = "/etc";
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      gchar *path = g_build_filename (dirs[i], "jumpstarter", "exporters", basename, NULL);

      if (g_ptr_array_find_with_equal_func (candidates, path, g_str_equal, NULL))
        {
          g_free (path);
          continue;
        }
      g_ptr_array_add (candidates, path);
    }

  for (guint i = 0; i < candidates->len; i++)
    {
      const gchar *path = g_ptr_array_index (candidates, i);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_strdup (path);
      if (looked->len > 0)
        g_string_append (looked, ", ");
      g_string_append (looked, path);
    }

  g_set_error (error, JMP_ERROR, JMP_ERROR_NOT_FOUND,
               _("no exporter config named \"%s\" (looked for %s)"), alias, looked->str);
  return NULL;
}
