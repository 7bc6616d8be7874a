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
        # Registered on import: the tabs and panels contracts adds to the vendor page (apps.core.sections)
        # and the reminders of its cancel-by dates (apps.notifications.reminders), and its dates for the
        # calendar feeds: cancel-by, term ends, policy exception reviews (apps.notifications.calendar).
        from apps.contracts import calendar, reminders, sections  # noqa: F401

        # Global search (apps.core.search): contracts by title, reference or vendor.
        from apps.contracts.search import register as register_search

        register_search()

        # What it adds to the floors below: the scope's filters on their lists, the policy conflict it
        # sees, the vendor page's contract count, the function page's contracts (apps.contracts.registrations).
        from apps.contracts.registrations import register

        register()

        # Its registers for spreadsheet imports (apps.core.importing): contracts and clause checklists.
        from apps.contracts.imports import register_imports

        register_imports()
        # The signed contract and its amendments as evidence files, filling the text (apps.documents).
        from apps.contracts.evidence import register_contract_evidence

        register_contract_evidence()
