// Map labels in the interface language: a label shows the feature's
// name_<lang> property where the reference data has one (name_ru, …), else
// its name as the data gives it. The reference countries carry English
// names only, so their labels take name_<lang> from the interface texts
// (country.<ISO3>).
import type { Map as MLMap, ExpressionSpecification } from 'maplibre-gl';
import type { Feature } from 'geojson';
import { currentLang, onLangChange } from './i18n';
import en from './i18n/en.json';
import ru from './i18n/ru.json';

const texts: Record<string, Record<string, string>> = { en, ru };

/** LABEL_LAYERS are the basemap's layers that show a feature's name. */
const LABEL_LAYERS: Record<string, (name: ExpressionSpecification) => ExpressionSpecification> = {
  'place-labels': (n) => n,
  'crossing-labels': (n) => n,
  'country-labels': (n) => ['upcase', n],
};

/** localName is the expression of a feature's name in the current language. */
export function localName(): ExpressionSpecification {
  return ['coalesce', ['get', `name_${currentLang()}`], ['get', 'name']];
}

/** withCountryNames adds the name in each interface language (name_en,
 * name_ru) to a country's label feature. */
export function withCountryNames(f: Feature): Feature {
  const key = `country.${String(f.properties?.iso3 ?? '')}`;
  const names: Record<string, string> = {};
  for (const [lang, dict] of Object.entries(texts)) if (dict[key]) names[`name_${lang}`] = dict[key];
  return { ...f, properties: { ...f.properties, ...names } };
}

/** localizeLabels draws the label layers in the current language, now and
 * after each switch of language. */
export function localizeLabels(map: MLMap): void {
  const apply = (): void => {
    for (const [id, wrap] of Object.entries(LABEL_LAYERS)) {
      if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', wrap(localName()));
    }
  };
  apply();
  onLangChange(apply);
  // For people and tests that read the page: the country names the map
  // shows, as drawn.
  map.on('idle', () => {
    if (!map.getLayer('country-labels')) return;
    const lang = currentLang();
    const names = map.queryRenderedFeatures({ layers: ['country-labels'] })
      .map((f) => String(f.properties?.[`name_${lang}`] ?? f.properties?.name ?? '').toUpperCase());
    map.getContainer().dataset.countryLabels = [...new Set(names)].sort().join('|');
  });
}
