"""The Redis cache backend (core.cache): Django's, keeping one client per connection pool."""

from django.core.cache import cache

from core import stampmirror


def test_the_cache_keeps_one_client_and_works(redis_cache):
    backend = cache._cache
    assert backend.get_client(write=True) is backend.get_client(write=False) is backend.get_client("a-key")
    cache.set("kept-client", {"value": 1})
    assert cache.get("kept-client") == {"value": 1}
    assert cache.get_many(["kept-client", "nothing"]) == {"kept-client": {"value": 1}}
    cache.delete("kept-client")
    assert cache.get("kept-client") is None


def test_the_stamp_mirrors_scripts_are_registered_once(redis_cache):
    stampmirror.read("a-slug")
    client = cache._cache.get_client(write=True)
    scripts = dict(client._pagestamp_scripts)
    stampmirror.read("another-slug")
    assert client._pagestamp_scripts == scripts and all(
        client._pagestamp_scripts[source] is script for source, script in scripts.items()
    )
