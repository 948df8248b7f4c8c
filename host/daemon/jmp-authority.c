/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "jmp-authority.h"

/*
 * Who may call what on the system bus. Reading the tree is for everyone the
 * bus policy lets in (dev.jumpstarter.Host1.conf); everything that acts —
 * Connect() on any capability, Snapshot(), Reload(), a driver's own methods —
 * is for root, the host's own user and members of one group. The bus policy
 * says the same, but the host does not rely on it: a policy file can be
 * edited, replaced or missed by the bus, and the host is what hands out
 * its own reach to the targets.
 *
 * A group rather than polkit: it needs no polkitd (absent from containers
 * and CI machines) and no agent, and the bus policy and the host give the
 * same answer to the same caller (docs/decisions.md). GDBus emits the
 * authorize signals in a worker thread, so asking the bus who the caller
 * is may block there.
 */

struct _JmpAuthority
{
  GObject     parent_instance;
  gchar      *group;
  gboolean    has_gid;
  gid_t       gid;
  uid_t       uid;  /* the host's own */
  /* a bus's unique names are never reused and a caller's credentials
   * are those of its socket, so each caller is asked about once */
  GMutex      lock;
  GHashTable *decisions;  /* unique name → GINT_TO_POINTER (allowed + 1) */
};

/* enough for every client of a lab workstation; past it, start again */
#define JMP_AUTHORITY_MAX_DECISIONS 1024

G_DEFINE_FINAL_TYPE (JmpAuthority, jmp_authority, G_TYPE_OBJECT)

/* methods that only read; every other method needs authorization, so a
 * method added later is closed until it is listed here */
static const struct {
  const gchar *interface_name;
  const gchar *method_name;
} jmp_authority_read_only[] = {
  { "dev.jumpstarter.Host1", "ListPlugins" },
  { "dev.jumpstarter.Host1", "ListDrivers" },
  { "dev.jumpstarter.Host1", "GetDriver" },
  { "dev.jumpstarter.Network1", "Address" },
  { "dev.jumpstarter.Video1", "State" },
};

static void
jmp_authority_finalize (GObject *object)
{
  JmpAuthority *self = JMP_AUTHORITY (object);

  g_free (self->group);
  g_hash_table_unref (self->decisions);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (jmp_authority_parent_class)->finalize (object);
}

static void
jmp_authority_class_init (JmpAuthorityClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = jmp_authority_finalize;
}

static void
jmp_authority_init (JmpAuthority *self)
{
  self->uid = geteuid ();
  g_mutex_init (&self->lock);
  self->decisions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* At start-up, before GDBus has threads that could look up users. */
static gboolean
jmp_authority_lookup_group (const gchar *name, gid_t *gid, GError **error)
{
  struct group *found;

  found = getgrnam (name);
  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("there is no group named \"%s\""), name);
      return FALSE;
    }
  *gid = found->gr_gid;
  return TRUE;
}

/**
 * jmp_authority_new:
 * @group: the group whose members may act on the host
 * @group_required: fail if @group does not exist; otherwise only root and
 *   the host's own user may act until it does (and the host restarts)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a new authority, or %NULL with @error set
 */
JmpAuthority *
jmp_authority_new (const gchar *group, gboolean group_required, GError **error)
{
  g_autoptr(JmpAuthority) self = g_object_new (JMP_TYPE_AUTHORITY, NULL);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (group != NULL, NULL);

  self->group = g_strdup (group);
  self->has_gid = jmp_authority_lookup_group (group, &self->gid, &local_error);
  if (!self->has_gid)
    {
      if (group_required)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_message ("%s: only root and uid %u may open streams or reload",
                 local_error->message, (guint) self->uid);
    }
  return g_steal_pointer (&self);
}

/**
 * jmp_authority_check_host_user:
 * @allow_root: serve as root all the same
 * @error: return location for a #GError
 *
 * A client gets what the host's user can do: as root, a forwarded bus or
 * Unix socket would see every allowed client as root. Refuses root unless
 * @allow_root, and then says on stderr what it means.
 *
 * Returns: %TRUE if the host may serve the system bus as the user it is
 */
gboolean
jmp_authority_check_host_user (gboolean allow_root, GError **error)
{
  if (getuid () != 0 && geteuid () != 0)
    return TRUE;
  if (!allow_root)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("refusing to serve the system bus as root: every client allowed to "
                             "open streams would reach the targets as root (a forwarded bus or "
                             "Unix socket sees root's credentials); run it as its own user "
                             "(jumpstarter-host.service), or pass --allow-root if that is meant"));
      return FALSE;
    }
  g_printerr ("jumpstarter-host: %s\n",
              _("warning: serving the system bus as root (--allow-root): every client "
                "allowed to open streams reaches the targets with root's identity"));
  return TRUE;
}

/**
 * jmp_authority_is_read_only:
 * @interface_name: a D-Bus interface of the host
 * @method_name: one of its methods
 *
 * Returns: %TRUE if anyone who may read the tree may call it
 */
gboolean
jmp_authority_is_read_only (const gchar *interface_name, const gchar *method_name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (jmp_authority_read_only); i++)
    if (g_strcmp0 (interface_name, jmp_authority_read_only[i].interface_name) == 0 &&
        g_strcmp0 (method_name, jmp_authority_read_only[i].method_name) == 0)
      return TRUE;
  return FALSE;
}

/**
 * jmp_authority_allows:
 * @self: a #JmpAuthority
 * @uid: the caller's uid
 * @gids: (array length=n_gids): the caller's groups
 * @n_gids: how many
 *
 * Returns: %TRUE if a caller with these credentials may act on the host
 */
gboolean
jmp_authority_allows (JmpAuthority  *self,
                      guint32        uid,
                      const guint32 *gids,
                      gsize          n_gids)
{
  if (uid == 0 || uid == self->uid)
    return TRUE;
  for (gsize i = 0; self->has_gid && i < n_gids; i++)
    if (gids[i] == self->gid)
      return TRUE;
  return FALSE;
}

/* The groups of @uid from the user database, for a bus that does not
 * report them and for peer-to-peer connections. */
static GArray *
jmp_authority_groups_of_user (guint32 uid)
{
  GArray *gids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree gchar *buffer = NULL;
  g_autofree gid_t *list = NULL;
  struct passwd entry, *found = NULL;
  gsize size = 1024;
  gint n = 64;
  gint rc;

  do
    {
      size *= 2;
      buffer = g_realloc (buffer, size);
      rc = getpwuid_r (uid, &entry, buffer, size, &found);
    }
  while (rc == ERANGE && size < 1024 * 1024);
  if (found == NULL)
    return gids;

  list = g_new (gid_t, n);
  if (getgrouplist (found->pw_name, found->pw_gid, list, &n) < 0)
    {
      list = g_renew (gid_t, list, n);
      if (getgrouplist (found->pw_name, found->pw_gid, list, &n) < 0)
        n = 0;
    }
  for (gint i = 0; i < n; i++)
    {
      guint32 gid = list[i];

      g_array_append_val (gids, gid);
    }
  return gids;
}

/* The caller's uid and groups: from the bus, which took them from the
 * caller's socket, or from the peer's socket on a connection without one. */
static gboolean
jmp_authority_get_caller (GDBusMethodInvocation  *invocation,
                          guint32                *uid,
                          GArray                **gids,
                          GError                **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GVariant) groups = NULL;

  if (g_dbus_connection_get_unique_name (connection) == NULL)
    {
      GCredentials *peer = g_dbus_connection_get_peer_credentials (connection);
      uid_t peer_uid;

      if (peer == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("the connection carries no credentials"));
          return FALSE;
        }
      peer_uid = g_credentials_get_unix_user (peer, error);
      if (peer_uid == (uid_t) -1)
        return FALSE;
      *uid = peer_uid;
      *gids = jmp_authority_groups_of_user (peer_uid);
      return TRUE;
    }

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionCredentials",
                                       g_variant_new ("(s)",
                                                      g_dbus_method_invocation_get_sender (invocation)),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                                       -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  credentials = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (credentials, "UnixUserID", "u", uid))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("the bus does not say which user is calling"));
      return FALSE;
    }
  groups = g_variant_lookup_value (credentials, "UnixGroupIDs", G_VARIANT_TYPE ("au"));
  if (groups != NULL)
    {
      gsize n = 0;
      const guint32 *list = g_variant_get_fixed_array (groups, &n, sizeof (guint32));

      *gids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
      g_array_append_vals (*gids, list, n);
    }
  else
    *gids = jmp_authority_groups_of_user (*uid);
  return TRUE;
}

static void
jmp_authority_deny (JmpAuthority *self, GDBusMethodInvocation *invocation)
{
  const gchar *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const gchar *method_name = g_dbus_method_invocation_get_method_name (invocation);

  g_debug ("refused %s.%s() on %s to %s", interface_name, method_name,
           g_dbus_method_invocation_get_object_path (invocation),
           g_dbus_method_invocation_get_sender (invocation) ?: "a peer");
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                         _("%s.%s() is only for members of the group \"%s\""),
                                         interface_name, method_name, self->group);
}

static gboolean
jmp_authority_recall (JmpAuthority *self, const gchar *sender, gboolean *allowed)
{
  gpointer decision;

  if (sender == NULL)
    return FALSE;
  g_mutex_lock (&self->lock);
  decision = g_hash_table_lookup (self->decisions, sender);
  g_mutex_unlock (&self->lock);
  if (decision == NULL)
    return FALSE;
  *allowed = GPOINTER_TO_INT (decision) - 1;
  return TRUE;
}

static void
jmp_authority_remember (JmpAuthority *self, const gchar *sender, gboolean allowed)
{
  if (sender == NULL)
    return;
  g_mutex_lock (&self->lock);
  if (g_hash_table_size (self->decisions) >= JMP_AUTHORITY_MAX_DECISIONS)
    g_hash_table_remove_all (self->decisions);
  g_hash_table_insert (self->decisions, g_strdup (sender), GINT_TO_POINTER (allowed + 1));
  g_mutex_unlock (&self->lock);
}

/* Runs in a worker thread; on FALSE the call must be answered here. */
static gboolean
jmp_authority_authorize (JmpAuthority *self, GDBusMethodInvocation *invocation)
{
  const gchar *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const gchar *method_name = g_dbus_method_invocation_get_method_name (invocation);
  g_autoptr(GArray) gids = NULL;
  /* only a bus vouches for the sender; a peer could write any */
  const gchar *sender = g_dbus_connection_get_unique_name (
    g_dbus_method_invocation_get_connection (invocation)) != NULL ?
      g_dbus_method_invocation_get_sender (invocation) : NULL;
  g_autoptr(GError) error = NULL;
  gboolean allowed;
  guint32 uid = 0;

  if (jmp_authority_is_read_only (interface_name, method_name))
    return TRUE;
  if (jmp_authority_recall (self, sender, &allowed))
    {
      if (!allowed)
        jmp_authority_deny (self, invocation);
      return allowed;
    }
  if (!jmp_authority_get_caller (invocation, &uid, &gids, &error))
    {
      g_debug ("refused %s.%s() on %s: cannot tell who calls: %s", interface_name,
               method_name, g_dbus_method_invocation_get_object_path (invocation),
               error->message);
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                                             _("cannot tell who calls %s.%s(): %s"),
                                             interface_name, method_name, error->message);
      return FALSE;
    }
  allowed = jmp_authority_allows (self, uid, (const guint32 *) gids->data, gids->len);
  jmp_authority_remember (self, sender, allowed);
  if (!allowed)
    {
      g_debug ("uid %u is not in group %s", uid, self->group);
      jmp_authority_deny (self, invocation);
    }
  return allowed;
}

static gboolean
jmp_authority_object_cb (GDBusObjectSkeleton    *object,
                         GDBusInterfaceSkeleton *interface,
                         GDBusMethodInvocation  *invocation,
                         JmpAuthority           *self)
{
  return jmp_authority_authorize (self, invocation);
}

static gboolean
jmp_authority_interface_cb (GDBusInterfaceSkeleton *interface,
                            GDBusMethodInvocation  *invocation,
                            JmpAuthority           *self)
{
  return jmp_authority_authorize (self, invocation);
}

static void
jmp_authority_closure_unref (gpointer data, GClosure *closure)
{
  g_object_unref (data);
}

/**
 * jmp_authority_watch:
 * @self: (nullable): a #JmpAuthority, or %NULL to let every caller through
 * @skeleton: a #GDBusObjectSkeleton (every interface it has or gets) or a
 *   #GDBusInterfaceSkeleton
 *
 * Decides every method call on @skeleton from now on. The skeleton keeps
 * @self alive, since the decision runs in GDBus's worker threads.
 */
void
jmp_authority_watch (JmpAuthority *self, gpointer skeleton)
{
  if (self == NULL)
    return;
  if (G_IS_DBUS_OBJECT_SKELETON (skeleton))
    g_signal_connect_data (skeleton, "authorize-method", G_CALLBACK (jmp_authority_object_cb),
                           g_object_ref (self), jmp_authority_closure_unref, 0);
  else if (G_IS_DBUS_INTERFACE_SKELETON (skeleton))
    g_signal_connect_data (skeleton, "g-authorize-method",
                           G_CALLBACK (jmp_authority_interface_cb),
                           g_object_ref (self), jmp_authority_closure_unref, 0);
  else
    g_return_if_reached ();
}
