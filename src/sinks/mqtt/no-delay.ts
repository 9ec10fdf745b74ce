/**
 * Small MQTT packets (a PUBACK, a command's answer) must not wait for Nagle's algorithm: on loopback with
 * Mosquitto a command's round trip (QoS 1) takes 88 ms (p50) with the default sockets and 0.2 ms with TCP_NODELAY on
 * both the broker (`set_tcp_nodelay true`) and the clients (bench mqtt-command-rtt, docs/benchmarks.md). MQTT.js makes a new socket at every (re)connect, so
 * this is called from each 'connect'.
 */
import type { MqttClient } from 'mqtt';

export function disableNagle(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
