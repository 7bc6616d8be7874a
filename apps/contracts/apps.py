from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "apps.contracts"
    label = "contracts"
    verbose_name = "Contracts"

    def ready(self) -> None:
        # The gates live next to the transition map; registering them here makes every caller
        # (service, transition page, API) see the same conditions.
        from apps.contracts.gates import register_contract_gates

        register_contract_gates()
        # The tabs and panels contracts adds to the vendor page (apps.core.sections).
        from apps.contracts import sections  # noqa: F401
