"""Single sign-on: OpenID Connect and SAML 2.0 providers configured from the environment."""
