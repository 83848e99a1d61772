"""Request dependencies on the auth service's own state (settings, key store, throttle)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from auth.config import Settings
from auth.keys.service import KeyStore
from auth.tokens.throttle import LoginThrottle


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _key_store(request: Request) -> KeyStore:
    store: KeyStore = request.app.state.key_store
    return store


def _throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


SettingsDep = Annotated[Settings, Depends(_settings)]
KeyStoreDep = Annotated[KeyStore, Depends(_key_store)]
ThrottleDep = Annotated[LoginThrottle, Depends(_throttle)]
