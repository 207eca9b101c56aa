import pytest

from mosty.accounts.tests.factories import make_member
from mosty.api import selectors
from mosty.api.tests.factories import make_token
from mosty.core.exceptions import NotFound

pytestmark = pytest.mark.django_db


def test_tokens_for_user_lists_only_own_tokens(caseworker, organisation):
    colleague = make_member(organisation, "caseworker")
    mine = make_token(caseworker, organisation).token
    make_token(colleague, organisation)
    assert list(selectors.tokens_for_user(caseworker)) == [mine]


def test_access_api_token_by_id_answers_alike_for_missing_and_foreign(caseworker, organisation):
    colleague = make_member(organisation, "org_admin")
    theirs = make_token(colleague, organisation).token
    mine = make_token(caseworker, organisation).token
    assert selectors.access_api_token_by_id(caseworker, mine.pk) == mine
    for token_id in (theirs.pk, 999_999, "abc", "", "1 OR 1=1"):
        with pytest.raises(NotFound):
            selectors.access_api_token_by_id(caseworker, token_id)
