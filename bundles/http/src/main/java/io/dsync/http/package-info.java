/**
 * What every servlet of every dsync bundle shares, so that the node's HTTP API behaves as one API.
 *
 * <ul>
 * <li>{@link io.dsync.http.AdminAccess}: the node's one admin token (Configuration Admin PID {@code io.dsync.admin},
 * file {@code etc/io.dsync.admin.cfg}), for bundle management and for client calls that change something.</li>
 * <li>{@link io.dsync.http.HttpError}: a refusal or failure with an HTTP status and a stable machine-readable code.</li>
 * <li>{@link io.dsync.http.HttpJson}: one way to write JSON, and one error shape for every bundle:
 * {@code {"error": <code>, "message": <text>, ...extra}}.</li>
 * <li>{@link io.dsync.http.HttpCalls}: a request runner that turns a call's outcome into a response, logs bugs once at
 * ERROR and a client that hung up at DEBUG.</li>
 * </ul>
 */
@Export
@Version("1.3.0")
package io.dsync.http;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
