/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The messages the host sends, byte for byte as `protoc --encode` makes
 * them from the same text, and google.protobuf.Value ↔ GVariant by
 * signature.
 */
#include <gio/gio.h>

#include "jmp-cluster-pb.h"
#include "jmp-cluster-value.h"

static const gchar *protoc = PROTOC;
static const gchar *proto_dir = PROTO_DIR;
static const gchar *wkt_dir = WKT_DIR;

/* What protoc makes of @text as a @type. */
static GBytes *
protoc_encode (const gchar *type, const gchar *text)
{
  g_autofree gchar *arg_type = g_strconcat ("--encode=jumpstarter.v1.", type, NULL);
  g_autofree gchar *arg_proto = g_strconcat ("-I", proto_dir, NULL);
  g_autofree gchar *arg_wkt = g_strconcat ("-I", wkt_dir, NULL);
  const gchar *argv[] = { protoc, arg_type, arg_proto, arg_wkt,
                          "jumpstarter/v1/jumpstarter.proto", "jumpstarter/v1/router.proto", NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GBytes) in = g_bytes_new (text, strlen (text));
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, in, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (proc))
    g_error ("protoc: %.*s", (int) g_bytes_get_size (err), (const gchar *) g_bytes_get_data (err, NULL));
  return g_steal_pointer (&out);
}

static void
assert_encodes (const ProtobufCMessage *message, const gchar *type, const gchar *text)
{
  g_autoptr(GBytes) ours = jmp_pb_pack (message);
  g_autoptr(GBytes) theirs = protoc_encode (type, text);

  if (!g_bytes_equal (ours, theirs))
    {
      g_autofree gchar *a = g_base64_encode (g_bytes_get_data (ours, NULL), g_bytes_get_size (ours));
      g_autofree gchar *b = g_base64_encode (g_bytes_get_data (theirs, NULL), g_bytes_get_size (theirs));

      g_error ("%s: ours %s, protoc %s", type, a, b);
    }
}

static GHashTable *
string_table (const gchar *first_key, ...)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);
  va_list ap;

  va_start (ap, first_key);
  for (const gchar *key = first_key; key != NULL; key = va_arg (ap, const gchar *))
    g_hash_table_insert (table, (gpointer) key, va_arg (ap, gpointer));
  va_end (ap);
  return table;
}

static void
test_register (void)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  g_autoptr(GHashTable) labels = string_table ("jumpstarter.dev/name", "bench-1", NULL);
  g_autoptr(GHashTable) root_labels =
    string_table ("jumpstarter.dev/client", "jumpstarter_driver_composite.client.CompositeClient", NULL);
  g_autoptr(GHashTable) child_labels =
    string_table ("jumpstarter.dev/name", "power", "jumpstarter.dev/client", "jumpstarter.client.DriverClient", NULL);
  g_autoptr(GHashTable) methods = string_table ("on", "Power on", "cycle", "Off, wait, on", NULL);
  Jumpstarter__V1__RegisterRequest req = JUMPSTARTER__V1__REGISTER_REQUEST__INIT;
  Jumpstarter__V1__DriverInstanceReport root = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT__INIT;
  Jumpstarter__V1__DriverInstanceReport child = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT__INIT;
  Jumpstarter__V1__DriverInstanceReport *reports[] = { &root, &child };

  req.labels = (Jumpstarter__V1__RegisterRequest__LabelsEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__register_request__labels_entry__descriptor,
                       labels, &req.n_labels);
  root.uuid = (char *) "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
  root.labels = (Jumpstarter__V1__DriverInstanceReport__LabelsEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__driver_instance_report__labels_entry__descriptor,
                       root_labels, &root.n_labels);
  child.uuid = (char *) "6fa459ea-ee8a-3ca4-894e-db77e160355e";
  child._parent_uuid_case = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT___PARENT_UUID_PARENT_UUID;
  child.parent_uuid = root.uuid;
  child._description_case = JUMPSTARTER__V1__DRIVER_INSTANCE_REPORT___DESCRIPTION_DESCRIPTION;
  child.description = (char *) "the bench's power";
  child.labels = (Jumpstarter__V1__DriverInstanceReport__LabelsEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__driver_instance_report__labels_entry__descriptor,
                       child_labels, &child.n_labels);
  child.methods_description = (Jumpstarter__V1__DriverInstanceReport__MethodsDescriptionEntry **)
    jmp_pb_string_map (arena, &jumpstarter__v1__driver_instance_report__methods_description_entry__descriptor,
                       methods, &child.n_methods_description);
  req.reports = reports;
  req.n_reports = 2;

  /* map entries sorted by key: our encoding does not depend on hashing */
  assert_encodes (&req.base, "RegisterRequest",
    "labels { key: 'jumpstarter.dev/name' value: 'bench-1' }\n"
    "reports { uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427'\n"
    "  labels { key: 'jumpstarter.dev/client' value: 'jumpstarter_driver_composite.client.CompositeClient' } }\n"
    "reports { uuid: '6fa459ea-ee8a-3ca4-894e-db77e160355e'\n"
    "  parent_uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427'\n"
    "  labels { key: 'jumpstarter.dev/client' value: 'jumpstarter.client.DriverClient' }\n"
    "  labels { key: 'jumpstarter.dev/name' value: 'power' }\n"
    "  description: \"the bench's power\"\n"
    "  methods_description { key: 'cycle' value: 'Off, wait, on' }\n"
    "  methods_description { key: 'on' value: 'Power on' } }\n");
}

static void
test_status (void)
{
  Jumpstarter__V1__ReportStatusRequest report = JUMPSTARTER__V1__REPORT_STATUS_REQUEST__INIT;
  Jumpstarter__V1__UnregisterRequest unregister = JUMPSTARTER__V1__UNREGISTER_REQUEST__INIT;
  Jumpstarter__V1__ListenRequest listen = JUMPSTARTER__V1__LISTEN_REQUEST__INIT;
  Jumpstarter__V1__GetStatusResponse status = JUMPSTARTER__V1__GET_STATUS_RESPONSE__INIT;
  Jumpstarter__V1__StatusRequest status_req = JUMPSTARTER__V1__STATUS_REQUEST__INIT;

  report.status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_LEASE_READY;
  assert_encodes (&report.base, "ReportStatusRequest", "status: EXPORTER_STATUS_LEASE_READY");
  report.status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_OFFLINE;
  assert_encodes (&report.base, "ReportStatusRequest", "status: EXPORTER_STATUS_OFFLINE");

  unregister.reason = (char *) "the host is stopping";
  assert_encodes (&unregister.base, "UnregisterRequest", "reason: 'the host is stopping'");

  listen.lease_name = (char *) "lease-1";
  assert_encodes (&listen.base, "ListenRequest", "lease_name: 'lease-1'");
  assert_encodes (&status_req.base, "StatusRequest", "");

  status.status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_LEASE_READY;
  status.status_version = 3;
  status._previous_status_case = JUMPSTARTER__V1__GET_STATUS_RESPONSE___PREVIOUS_STATUS_PREVIOUS_STATUS;
  status.previous_status = JUMPSTARTER__V1__EXPORTER_STATUS__EXPORTER_STATUS_AVAILABLE;
  assert_encodes (&status.base, "GetStatusResponse",
                  "status: EXPORTER_STATUS_LEASE_READY status_version: 3 "
                  "previous_status: EXPORTER_STATUS_AVAILABLE");
}

static void
test_frames (void)
{
  Jumpstarter__V1__StreamRequest frame = JUMPSTARTER__V1__STREAM_REQUEST__INIT;

  frame.payload.data = (guint8 *) "\x00\x01hi";
  frame.payload.len = 4;
  assert_encodes (&frame.base, "StreamRequest", "payload: '\\000\\001hi'");
  frame.payload.len = 0;
  frame.frame_type = JUMPSTARTER__V1__FRAME_TYPE__FRAME_TYPE_GOAWAY;
  assert_encodes (&frame.base, "StreamResponse", "frame_type: FRAME_TYPE_GOAWAY");
}

static void
test_driver_call_response (void)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  Jumpstarter__V1__DriverCallResponse resp = JUMPSTARTER__V1__DRIVER_CALL_RESPONSE__INIT;
  g_autoptr(GVariant) result = g_variant_ref_sink (g_variant_new_parsed (
    "({'a': <1.5>, 'b': <(true, 'x', @mi nothing)>, 'c': <[byte 0x01, 0x02]>},)"));

  resp.uuid = (char *) "u";
  resp.result = jmp_cluster_result_new (arena, result);
  /* a tuple becomes a list, nothing null, bytes base64 */
  assert_encodes (&resp.base, "DriverCallResponse",
    "uuid: 'u' result { struct_value {\n"
    "  fields { key: 'a' value { number_value: 1.5 } }\n"
    "  fields { key: 'b' value { list_value { values { bool_value: true }\n"
    "      values { string_value: 'x' } values { null_value: NULL_VALUE } } } }\n"
    "  fields { key: 'c' value { string_value: 'AQI=' } } } }");

  resp.result = jmp_cluster_result_new (arena, NULL);
  assert_encodes (&resp.base, "DriverCallResponse", "uuid: 'u' result { null_value: NULL_VALUE }");
}

static void
test_driver_call_request (void)
{
  g_autoptr(GBytes) bytes = protoc_encode ("DriverCallRequest",
    "uuid: 'u' method: 'cycle' args { string_value: 'ab' } args { number_value: 3 }"
    " args { struct_value { fields { key: 'k' value { number_value: -2 } } } }"
    " args { list_value { values { number_value: 1 } values { number_value: 2 } } }"
    " args { null_value: NULL_VALUE }");
  Jumpstarter__V1__DriverCallRequest *req =
    jmp_pb_unpack (&jumpstarter__v1__driver_call_request__descriptor, bytes);
  g_autoptr(GVariant) args = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *printed = NULL;

  g_assert_nonnull (req);
  g_assert_cmpstr (req->method, ==, "cycle");
  args = jmp_cluster_args_to_variant (req->args, req->n_args, "(sya{sx}(qd)ms)", &error);
  g_assert_no_error (error);
  printed = g_variant_print (g_variant_ref_sink (args), FALSE);
  g_assert_cmpstr (printed, ==, "('ab', 0x03, {'k': -2}, (1, 2.0), nothing)");
  jmp_pb_free (req);

  /* bytes that are not a message */
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = g_bytes_new_static ("\xff\xff\xff", 3);
  g_assert_null (jmp_pb_unpack (&jumpstarter__v1__driver_call_request__descriptor, bytes));
}

static Google__Protobuf__Value *
number (JmpPbArena *arena, gdouble d)
{
  Google__Protobuf__Value *v = jmp_pb_arena_alloc (arena, sizeof *v);

  google__protobuf__value__init (v);
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
  v->number_value = d;
  return v;
}

static Google__Protobuf__Value *
string (JmpPbArena *arena, const gchar *s)
{
  Google__Protobuf__Value *v = jmp_pb_arena_alloc (arena, sizeof *v);

  google__protobuf__value__init (v);
  v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
  v->string_value = (char *) s;
  return v;
}

static void
assert_refused (Google__Protobuf__Value *value, const gchar *signature, const gchar *message)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = jmp_cluster_args_to_variant (&value, 1, signature, &error);

  g_assert_null (v);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_value_refused (void)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  Google__Protobuf__Value *empty = jmp_pb_arena_alloc (arena, sizeof *empty);
  g_autoptr(GError) error = NULL;

  google__protobuf__value__init (empty);
  assert_refused (number (arena, 1), "(s)", "argument 1: a number does not fit type s");
  assert_refused (number (arena, 1.5), "(i)", "argument 1: 1.5 is not an integer of type i");
  assert_refused (number (arena, 256), "(y)", "argument 1: 256 is not an integer of type y");
  assert_refused (number (arena, -1), "(u)", "argument 1: -1 is not an integer of type u");
  assert_refused (number (arena, 9007199254740994.0), "(x)",
                  "argument 1: 9.0072e+15 is not an integer of type x");
  assert_refused (string (arena, "a"), "(d)", "argument 1: a string does not fit type d");
  assert_refused (string (arena, "not a path"), "(o)", "argument 1: the string is not a valid o");
  assert_refused (empty, "(s)", "argument 1: no value does not fit type s");
  g_assert_null (jmp_cluster_args_to_variant (NULL, 0, "(s)", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "takes 1 arguments (s), not 0");
}

static void
test_value_nested (void)
{
  g_autoptr(JmpPbArena) arena = jmp_pb_arena_new ();
  Google__Protobuf__Value *value = number (arena, 1);
  g_autoptr(GError) error = NULL;

  /* 100 lists deep, for a type as deep: refused before the stack suffers */
  for (guint i = 0; i < 100; i++)
    {
      Google__Protobuf__Value *outer = jmp_pb_arena_alloc (arena, sizeof *outer);
      Google__Protobuf__ListValue *list = jmp_pb_arena_alloc (arena, sizeof *list);

      google__protobuf__value__init (outer);
      google__protobuf__list_value__init (list);
      list->n_values = 1;
      list->values = jmp_pb_arena_alloc (arena, sizeof (gpointer));
      list->values[0] = value;
      outer->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
      outer->list_value = list;
      value = outer;
    }
  g_assert_null (jmp_cluster_args_to_variant (&value, 1, "(v)", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_suffix (error->message, "nested too deeply"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/encoding/register", test_register);
  g_test_add_func ("/cluster/encoding/status", test_status);
  g_test_add_func ("/cluster/encoding/frames", test_frames);
  g_test_add_func ("/cluster/encoding/driver-call-response", test_driver_call_response);
  g_test_add_func ("/cluster/encoding/driver-call-request", test_driver_call_request);
  g_test_add_func ("/cluster/value/refused", test_value_refused);
  g_test_add_func ("/cluster/value/nested", test_value_nested);
  return g_test_run ();
}
