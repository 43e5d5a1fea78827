from django.core.management.base import BaseCommand

from institutions.regions import load_regions


class Command(BaseCommand):
    help = "Load or refresh the GB/T 2260 province/city/county table (idempotent)."

    def handle(self, *args, **opts):
        dataset, created, updated = load_regions()
        self.stdout.write(
            self.style.SUCCESS(
                f"Regions from {dataset.source} (data as of {dataset.data_as_of}): "
                f"{dataset.rows} rows, {created} new, {updated} updated."
            )
        )
