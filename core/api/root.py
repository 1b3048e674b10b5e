"""`GET /api/v1/`: where a newcomer (or a client) starts: the docs, the schema and health."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootView(APIView):
    authentication_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "ApiRoot",
            {
                "docs": serializers.URLField(),
                "schema": serializers.URLField(),
                "health": serializers.URLField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response({name: reverse(name, request=request) for name in ("docs", "schema", "health")})
