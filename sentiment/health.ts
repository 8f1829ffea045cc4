/**
 * The standard gRPC health service (`grpc.health.v1.Health`) over `grpc/health/v1/health.proto`,
 * as the gRPC Health Checking Protocol describes it: Check answers a service's status now, or
 * NOT_FOUND for a service the server does not know; Watch sends the status now (SERVICE_UNKNOWN
 * for an unknown service, which is not an error) and then every change, until the client
 * cancels.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Path of the health protocol file, read at start-up (`deno compile` embeds `./grpc`). */
export const HEALTH_PROTO_PATH = new URL("./grpc/health/v1/health.proto", import.meta.url).pathname;
/** The health service's full name. */
export const HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

/** The statuses a server sets; UNKNOWN and SERVICE_UNKNOWN are the protocol's own. */
export type ServingStatus = "SERVING" | "NOT_SERVING";
type WireStatus = ServingStatus | "SERVICE_UNKNOWN";

interface HealthCheckRequest {
  service: string;
}
interface HealthCheckResponse {
  status: WireStatus;
}

/** The health service of one server. */
export interface HealthService {
  /** Sets a service's status ("" for the server as a whole) and tells its watchers. */
  setStatus(service: string, status: ServingStatus): void;
  addToServer(server: Pick<grpc.Server, "addService">): void;
}

/** Loads the health protocol's service definition. */
export function healthServiceDefinition(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(HEALTH_PROTO_PATH, {
    keepCase: true,
    enums: String,
    defaults: true,
  });
  return definition[HEALTH_SERVICE_NAME] as grpc.ServiceDefinition;
}

/** Creates the health service with each named service's first status. */
export function createHealthService(
  initial: Readonly<Record<string, ServingStatus>>,
): HealthService {
  const statuses = new Map<string, ServingStatus>(Object.entries(initial));
  const watchers = new Map<string, Set<(status: WireStatus) => void>>();

  return {
    setStatus(service, status) {
      if (statuses.get(service) === status) return;
      statuses.set(service, status);
      for (const watcher of watchers.get(service) ?? []) watcher(status);
    },
    addToServer(server) {
      server.addService(healthServiceDefinition(), {
        Check(
          call: grpc.ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>,
          callback: grpc.sendUnaryData<HealthCheckResponse>,
        ) {
          const status = statuses.get(call.request.service ?? "");
          if (status === undefined) {
            callback({ code: grpc.status.NOT_FOUND, details: "unknown service" });
          } else callback(null, { status });
        },
        Watch(call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
          const service = call.request.service ?? "";
          const send = (status: WireStatus) => call.write({ status });
          const own = watchers.get(service) ?? new Set();
          watchers.set(service, own);
          own.add(send);
          call.on("cancelled", () => {
            own.delete(send);
            if (own.size === 0) watchers.delete(service);
          });
          send(statuses.get(service) ?? "SERVICE_UNKNOWN");
        },
      });
    },
  };
}
