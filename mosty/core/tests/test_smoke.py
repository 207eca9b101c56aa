import pytest


@pytest.mark.django_db
def test_home_redirects_anonymous_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_home_for_verified_member(verified_client):
    response = verified_client.get("/")
    assert response.status_code == 200
    assert b"Prague Civil Society Centre" in response.content
