/**
 * gRPC server reflection (v1 and the v1alpha that older grpcurl asks), answered by npm
 * `@grpc/reflection`'s implementation over copies of its protocol files kept in `./grpc`.
 * The library's own `addToServer` reads those files from its folder in the npm cache, which
 * would put an absolute path into the service's permission set; only that step is done here.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionV1Implementation } from "@grpc/reflection/build/src/implementations/reflection-v1.js";
import { PROTO_LOADER_OPTS } from "@grpc/reflection/build/src/implementations/common/constants.js";

/** The reflection protocol versions served, with their files (under `./grpc`). */
export const REFLECTION_VERSIONS = ["v1", "v1alpha"] as const;

function reflectionProtoPath(version: typeof REFLECTION_VERSIONS[number]): string {
  return new URL(`./grpc/reflection/${version}/reflection.proto`, import.meta.url).pathname;
}

/** Serves reflection on `server` for the services of `described`. */
export function addReflection(
  server: Pick<grpc.Server, "addService">,
  described: protoLoader.PackageDefinition,
): void {
  // The two versions' messages are the same; the library answers both with one implementation.
  const reflection = new ReflectionV1Implementation(described);
  for (const version of REFLECTION_VERSIONS) {
    const definition = protoLoader.loadSync(reflectionProtoPath(version), PROTO_LOADER_OPTS);
    const service = definition[`grpc.reflection.${version}.ServerReflection`];
    server.addService(service as grpc.ServiceDefinition, {
      ServerReflectionInfo(
        // The request and response types are the library's generated ones.
        stream: grpc.ServerDuplexStream<
          Parameters<typeof reflection.handleServerReflectionRequest>[0],
          ReturnType<typeof reflection.handleServerReflectionRequest>
        >,
      ) {
        stream.on("end", () => stream.end());
        stream.on("data", (message) => {
          stream.write(reflection.handleServerReflectionRequest(message));
        });
      },
    });
  }
}
