from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def token_list(request: HttpRequest) -> HttpResponse:
    return render(request, "api/token_list.html", {"tokens": []})
