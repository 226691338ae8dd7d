"""A third-party gRPC client driven purely by server reflection, the way grpcurl works.

Usage:
  reflect_client.py ADDR list
  reflect_client.py ADDR describe SYMBOL
  reflect_client.py ADDR call /package.Service/Method 'JSON request'

`call` prints the JSON response, or `ERROR <code name> <message>` and the
ErrorInfo reason (if any) with exit status 3 when the server answers an error.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from google.rpc import error_details_pb2, status_pb2  # noqa: F401  (registers detail types)
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main():
    addr, command = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel(addr)
    db = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(db)
    if command == "list":
        for name in sorted(db.get_services()):
            print(name)
    elif command == "describe":
        symbol = sys.argv[3]
        if "/" in symbol or symbol.count(".") >= 2 and symbol.rsplit(".", 1)[1][:1].isupper():
            service_name, method_name = symbol.replace("/", ".").rsplit(".", 1)
            service = pool.FindServiceByName(service_name)
            method = service.methods_by_name[method_name]
            print(json.dumps({
                "method": method.full_name,
                "input": method.input_type.full_name,
                "output": method.output_type.full_name,
                "server_streaming": bool(method.server_streaming) if hasattr(method, "server_streaming") else None,
                "input_fields": [f.name for f in method.input_type.fields],
            }))
        else:
            service = pool.FindServiceByName(symbol)
            print(json.dumps({"service": service.full_name, "methods": [m.name for m in service.methods]}))
    elif command == "call":
        path, body = sys.argv[3], sys.argv[4]
        service_name, method_name = path.strip("/").split("/")
        method = pool.FindServiceByName(service_name).methods_by_name[method_name]
        request_cls = message_factory.GetMessageClass(method.input_type)
        response_cls = message_factory.GetMessageClass(method.output_type)
        request = json_format.Parse(body, request_cls())
        call = channel.unary_unary(
            path,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_cls.FromString,
        )
        try:
            response = call(request, timeout=30)
        except grpc.RpcError as err:
            reason = ""
            for key, value in err.trailing_metadata() or ():
                if key == "grpc-status-details-bin":
                    status = status_pb2.Status.FromString(value)
                    for detail in status.details:
                        info = error_details_pb2.ErrorInfo()
                        if detail.Unpack(info):
                            reason = info.reason
            print(f"ERROR {err.code().name} {reason} {err.details()}")
            sys.exit(3)
        print(json_format.MessageToJson(response, preserving_proto_field_name=True))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
