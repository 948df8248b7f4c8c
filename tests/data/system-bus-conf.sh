#!/bin/sh
# Prints the config of a private bus of the system type that listens on
# DIR/bus, with Debian's default system policy and the shipped policy
# included as system.d would include it: usage: system-bus-conf.sh TOP DIR
set -eu
top="$1"
dir="$2"
cat <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus</listen>
  <auth>EXTERNAL</auth>
  <!-- the default policy of Debian's system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <!-- a name only root may own, as system.d files give to system services -->
  <policy user="root">
    <allow own="dev.jumpstarter.Test.RootOnly"/>
  </policy>
  <include>$top/data/dev.jumpstarter.Host1.conf</include>
</busconfig>
CONF
