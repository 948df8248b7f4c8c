/*
 * Copyright the jumpstarter-glib authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define __JUMPSTARTER_H_INSIDE__

#include <jumpstarter/jmp-version.h>
#include <jumpstarter/jmp-error.h>
#include <jumpstarter/jmp-driver.h>
#include <jumpstarter/jmp-driver-method.h>
#include <jumpstarter/jmp-composite.h>
#include <jumpstarter/jmp-network.h>
#include <jumpstarter/jmp-video.h>
#include <jumpstarter/jmp-stream-lease.h>
#include <jumpstarter/jmp-plugin-info.h>
#include <jumpstarter/jmp-registry.h>
#include <jumpstarter/jmp-plugin.h>
#include <jumpstarter/jmp-config-entry.h>
#include <jumpstarter/jmp-config.h>
#include <jumpstarter/jmp-network-proxy.h>
#include <jumpstarter/jmp-dbus-network-proxy.h>
#include <jumpstarter/jmp-video-proxy.h>
#include <jumpstarter/jmp-driver-proxy.h>
#include <jumpstarter/jmp-driver-info.h>
#include <jumpstarter/jmp-exporter-names.h>
#include <jumpstarter/jmp-host-info.h>
#include <jumpstarter/jmp-client.h>
#include <jumpstarter/jmp-portforward.h>

#undef __JUMPSTARTER_H_INSIDE__
