/**
 * The taxonomy every Cohesion instance starts with. Codes are a contract: once shipped, a code keeps its meaning
 * forever (a city may rename, translate or retire a term, never repurpose it). The `bias` and `incident_type` facets
 * follow the OSCE/ODIHR hate-crime reporting categories; see docs/taxonomy.md.
 */

export { DEFAULT_LOCALE, canonicalLocale, localeFallbackChain, resolveLabel } from './locale-fallback.ts';
export {
  checkNewTermCode,
  isDescendantOrSelf,
  MAX_TERM_CODE_LENGTH,
  TERM_CODE_PATTERN,
} from './term-codes.ts';

export const SHIPPED_LOCALES = ['en', 'fr', 'es', 'ar'] as const;
export type ShippedLocale = (typeof SHIPPED_LOCALES)[number];
export type Localised<T> = Readonly<Record<ShippedLocale, T>>;

export type TermText = { label: string; description: string };

export type FacetDefinition = {
  code: string;
  /** The first segment of every term code in this facet. */
  codePrefix: string;
  name: Localised<string>;
};

export type DefaultTerm = {
  code: string;
  facet: string;
  parentCode: string | null;
  text: Localised<TermText>;
};

/** Facets are fixed: they are the questions a signal answers, not terms, and cities cannot add them. */
export const FACETS: readonly FacetDefinition[] = [
  {
    code: 'bias',
    codePrefix: 'bias',
    name: { en: 'Bias motivation', fr: 'Motif de préjugé', es: 'Motivo de prejuicio', ar: 'دافع التحيز' },
  },
  {
    code: 'incident_type',
    codePrefix: 'incident',
    name: { en: 'Incident type', fr: "Type d'incident", es: 'Tipo de incidente', ar: 'نوع الحادثة' },
  },
  {
    code: 'channel',
    codePrefix: 'channel',
    name: { en: 'Channel', fr: 'Canal', es: 'Canal', ar: 'القناة' },
  },
  {
    code: 'extremism',
    codePrefix: 'extremism',
    name: {
      en: 'Extremist ideology',
      fr: 'Idéologie extrémiste',
      es: 'Ideología extremista',
      ar: 'الأيديولوجيا المتطرفة',
    },
  },
  {
    code: 'disinformation',
    codePrefix: 'disinfo',
    name: { en: 'Disinformation', fr: 'Désinformation', es: 'Desinformación', ar: 'التضليل الإعلامي' },
  },
  {
    code: 'tension',
    codePrefix: 'tension',
    name: {
      en: 'Community tension',
      fr: 'Tension communautaire',
      es: 'Tensión comunitaria',
      ar: 'التوتر المجتمعي',
    },
  },
  {
    code: 'need',
    codePrefix: 'need',
    name: { en: 'Need', fr: 'Besoin', es: 'Necesidad', ar: 'الاحتياجات' },
  },
  {
    code: 'protective',
    codePrefix: 'protective',
    name: {
      en: 'Protective factor',
      fr: 'Facteur de protection',
      es: 'Factor de protección',
      ar: 'عامل الحماية',
    },
  },
];

export const facetByCode = (code: string): FacetDefinition | undefined => FACETS.find((f) => f.code === code);

type Entry = [code: string, text: Record<ShippedLocale, [label: string, description: string]>];

// Entries are listed parents first; a term's parent is the code one segment shorter when that code is a term.
function facetTerms(facet: string, entries: Entry[]): DefaultTerm[] {
  const codes = new Set(entries.map(([code]) => code));
  return entries.map(([code, text]) => {
    const parent = code.slice(0, code.lastIndexOf('.'));
    return {
      code,
      facet,
      parentCode: codes.has(parent) ? parent : null,
      text: {
        en: { label: text.en[0], description: text.en[1] },
        fr: { label: text.fr[0], description: text.fr[1] },
        es: { label: text.es[0], description: text.es[1] },
        ar: { label: text.ar[0], description: text.ar[1] },
      },
    };
  });
}

const bias = facetTerms('bias', [
  [
    'bias.racism',
    {
      en: [
        'Racism',
        'Hostility because of perceived race or skin colour; prefer a more specific term below when known. Religion, language and national origin have their own terms.',
      ],
      fr: [
        'Racisme',
        "Hostilité liée à la race ou à la couleur de peau perçues ; préférez un terme plus précis ci-dessous s'il est connu. La religion, la langue et l'origine nationale ont leurs propres termes.",
      ],
      es: [
        'Racismo',
        'Hostilidad por la raza o el color de piel percibidos; prefiera un término más preciso de abajo si se conoce. La religión, el idioma y el origen nacional tienen sus propios términos.',
      ],
      ar: [
        'العنصرية',
        'عداء بسبب العرق أو لون البشرة المتصوَّرين؛ فضّل مصطلحًا أدق أدناه إن كان معروفًا. للدين واللغة والأصل القومي مصطلحات خاصة بها.',
      ],
    },
  ],
  [
    'bias.racism.anti_black',
    {
      en: [
        'Anti-Black racism',
        'Targets people because they are, or are seen as, Black. Hostility based on nationality alone goes under xenophobia.',
      ],
      fr: [
        'Racisme anti-Noirs',
        "Vise des personnes parce qu'elles sont, ou sont perçues comme, noires. L'hostilité fondée sur la seule nationalité relève de la xénophobie.",
      ],
      es: [
        'Racismo contra personas negras',
        'Se dirige a personas por ser, o parecer, negras. La hostilidad basada solo en la nacionalidad va en xenofobia.',
      ],
      ar: [
        'العنصرية ضد السود',
        'تستهدف أشخاصًا لأنهم سود أو يُنظر إليهم كذلك. العداء القائم على الجنسية وحدها يندرج تحت كراهية الأجانب.',
      ],
    },
  ],
  [
    'bias.racism.anti_east_southeast_asian',
    {
      en: [
        'Anti-East and Southeast Asian racism',
        'Targets people seen as East or Southeast Asian (e.g. Chinese, Korean, Filipino, Vietnamese). South Asian people have their own term.',
      ],
      fr: [
        "Racisme anti-Asiatiques de l'Est et du Sud-Est",
        "Vise des personnes perçues comme originaires d'Asie de l'Est ou du Sud-Est (p. ex. chinoises, coréennes, philippines, vietnamiennes). L'Asie du Sud a son propre terme.",
      ],
      es: [
        'Racismo contra personas de Asia oriental y sudoriental',
        'Se dirige a personas vistas como de Asia oriental o sudoriental (p. ej., china, coreana, filipina, vietnamita). Asia meridional tiene su propio término.',
      ],
      ar: [
        'العنصرية ضد سكان شرق وجنوب شرق آسيا',
        'تستهدف أشخاصًا يُنظر إليهم على أنهم من شرق آسيا أو جنوب شرقها (مثل الصينيين والكوريين والفلبينيين والفيتناميين). لجنوب آسيا مصطلح خاص.',
      ],
    },
  ],
  [
    'bias.racism.anti_south_asian',
    {
      en: [
        'Anti-South Asian racism',
        'Targets people seen as South Asian (e.g. Indian, Pakistani, Bangladeshi, Sri Lankan). Hostility to their religion goes under a religion term.',
      ],
      fr: [
        'Racisme anti-Sud-Asiatiques',
        "Vise des personnes perçues comme sud-asiatiques (p. ex. indiennes, pakistanaises, bangladaises, sri-lankaises). L'hostilité envers leur religion relève d'un terme religieux.",
      ],
      es: [
        'Racismo contra personas del sur de Asia',
        'Se dirige a personas vistas como del sur de Asia (p. ej., india, pakistaní, bangladesí, esrilanquesa). La hostilidad hacia su religión va en un término religioso.',
      ],
      ar: [
        'العنصرية ضد سكان جنوب آسيا',
        'تستهدف أشخاصًا يُنظر إليهم على أنهم من جنوب آسيا (مثل الهنود والباكستانيين والبنغاليين والسريلانكيين). العداء لدينهم يندرج تحت مصطلح ديني.',
      ],
    },
  ],
  [
    'bias.racism.anti_indigenous',
    {
      en: [
        'Anti-Indigenous racism',
        'Targets First Nations, Inuit, Métis or other Indigenous peoples because of their Indigenous identity.',
      ],
      fr: [
        'Racisme anti-Autochtones',
        "Vise des membres des Premières Nations, des Inuit, des Métis ou d'autres peuples autochtones en raison de leur identité autochtone.",
      ],
      es: [
        'Racismo contra pueblos indígenas',
        'Se dirige a personas de Primeras Naciones, inuit, métis u otros pueblos indígenas por su identidad indígena.',
      ],
      ar: [
        'العنصرية ضد الشعوب الأصلية',
        'تستهدف أفراد الأمم الأولى أو الإنويت أو الميتيس أو غيرهم من الشعوب الأصلية بسبب هويتهم الأصلية.',
      ],
    },
  ],
  [
    'bias.racism.anti_arab_west_asian',
    {
      en: [
        'Anti-Arab and West Asian racism',
        'Targets people seen as Arab or West Asian (e.g. Iranian, Turkish, Kurdish). Hostility to Muslims as such goes under anti-Muslim.',
      ],
      fr: [
        "Racisme anti-Arabes et anti-Asiatiques de l'Ouest",
        "Vise des personnes perçues comme arabes ou d'Asie de l'Ouest (p. ex. iraniennes, turques, kurdes). L'hostilité envers les musulmans en tant que tels relève du terme antimusulman.",
      ],
      es: [
        'Racismo contra personas árabes y de Asia occidental',
        'Se dirige a personas vistas como árabes o de Asia occidental (p. ej., iraní, turca, kurda). La hostilidad hacia las personas musulmanas como tales va en antimusulmán.',
      ],
      ar: [
        'العنصرية ضد العرب وسكان غرب آسيا',
        'تستهدف أشخاصًا يُنظر إليهم على أنهم عرب أو من غرب آسيا (مثل الإيرانيين والأتراك والأكراد). العداء للمسلمين بصفتهم مسلمين يندرج تحت معاداة المسلمين.',
      ],
    },
  ],
  [
    'bias.racism.anti_latin_american',
    {
      en: [
        'Anti-Latin American racism',
        'Targets people seen as Latin American or Latino. Hostility to them only as migrants goes under xenophobia.',
      ],
      fr: [
        'Racisme anti-Latino-Américains',
        "Vise des personnes perçues comme latino-américaines. L'hostilité à leur égard en tant que seuls migrants relève de la xénophobie.",
      ],
      es: [
        'Racismo contra personas latinoamericanas',
        'Se dirige a personas vistas como latinoamericanas o latinas. La hostilidad hacia ellas solo como migrantes va en xenofobia.',
      ],
      ar: [
        'العنصرية ضد سكان أمريكا اللاتينية',
        'تستهدف أشخاصًا يُنظر إليهم على أنهم من أمريكا اللاتينية. العداء لهم بصفتهم مهاجرين فقط يندرج تحت كراهية الأجانب.',
      ],
    },
  ],
  [
    'bias.racism.anti_white',
    {
      en: [
        'Anti-white racism',
        'Targets people because they are, or are seen as, white. Hostility to a nationality or religion goes under its own term.',
      ],
      fr: [
        'Racisme anti-Blancs',
        "Vise des personnes parce qu'elles sont, ou sont perçues comme, blanches. L'hostilité envers une nationalité ou une religion relève de son propre terme.",
      ],
      es: [
        'Racismo contra personas blancas',
        'Se dirige a personas por ser, o parecer, blancas. La hostilidad hacia una nacionalidad o religión va en su propio término.',
      ],
      ar: [
        'العنصرية ضد البيض',
        'تستهدف أشخاصًا لأنهم بيض أو يُنظر إليهم كذلك. العداء لجنسية أو دين يندرج تحت مصطلحه الخاص.',
      ],
    },
  ],
  [
    'bias.racism.other',
    {
      en: [
        'Other racism',
        'Racism against a group not listed here; name the group in the notes. If the motive itself is unclear, use mixed or unclear.',
      ],
      fr: [
        'Autre racisme',
        'Racisme envers un groupe non listé ici ; nommez le groupe dans les notes. Si le motif lui-même est incertain, utilisez « mixte ou incertain ».',
      ],
      es: [
        'Otro racismo',
        'Racismo contra un grupo no incluido aquí; nombre el grupo en las notas. Si el motivo mismo no está claro, use «mixto o no claro».',
      ],
      ar: [
        'عنصرية أخرى',
        'عنصرية ضد فئة غير مذكورة هنا؛ اذكر الفئة في الملاحظات. إذا كان الدافع نفسه غير واضح فاستخدم «مختلط أو غير واضح».',
      ],
    },
  ],
  [
    'bias.xenophobia',
    {
      en: [
        'Xenophobia (national or ethnic origin)',
        'Hostility because of national or ethnic origin, citizenship or migrant status. Skin colour or perceived race goes under racism.',
      ],
      fr: [
        'Xénophobie (origine nationale ou ethnique)',
        "Hostilité liée à l'origine nationale ou ethnique, à la nationalité ou au statut de migrant. La couleur de peau ou la race perçue relève du racisme.",
      ],
      es: [
        'Xenofobia (origen nacional o étnico)',
        'Hostilidad por el origen nacional o étnico, la ciudadanía o la condición de migrante. El color de piel o la raza percibida va en racismo.',
      ],
      ar: [
        'كراهية الأجانب (الأصل القومي أو الإثني)',
        'عداء بسبب الأصل القومي أو الإثني أو الجنسية أو وضع الهجرة. لون البشرة أو العرق المتصوَّر يندرج تحت العنصرية.',
      ],
    },
  ],
  [
    'bias.language',
    {
      en: [
        'Language',
        'Targets people because of the language they speak or their accent. Hostility to the country linked to a language goes under xenophobia.',
      ],
      fr: [
        'Langue',
        "Vise des personnes en raison de la langue qu'elles parlent ou de leur accent. L'hostilité envers le pays associé à une langue relève de la xénophobie.",
      ],
      es: [
        'Idioma',
        'Se dirige a personas por el idioma que hablan o su acento. La hostilidad hacia el país asociado a un idioma va en xenofobia.',
      ],
      ar: [
        'اللغة',
        'تستهدف أشخاصًا بسبب اللغة التي يتحدثونها أو لهجتهم. العداء للبلد المرتبط بلغة ما يندرج تحت كراهية الأجانب.',
      ],
    },
  ],
  [
    'bias.antisemitism',
    {
      en: [
        'Antisemitism',
        "Hostility to Jews as Jews, or to people, property or institutions seen as Jewish. Criticism of a government's policy alone does not belong here.",
      ],
      fr: [
        'Antisémitisme',
        "Hostilité envers les Juifs en tant que Juifs, ou envers des personnes, biens ou institutions perçus comme juifs. La seule critique de la politique d'un gouvernement n'en relève pas.",
      ],
      es: [
        'Antisemitismo',
        'Hostilidad hacia los judíos como judíos, o hacia personas, bienes o instituciones vistos como judíos. La mera crítica a la política de un gobierno no va aquí.',
      ],
      ar: [
        'معاداة السامية',
        'عداء لليهود بصفتهم يهودًا، أو لأشخاص أو ممتلكات أو مؤسسات يُنظر إليها على أنها يهودية. انتقاد سياسة حكومة ما وحده لا يندرج هنا.',
      ],
    },
  ],
  [
    'bias.anti_muslim',
    {
      en: [
        'Anti-Muslim',
        'Hostility to Muslims, or to people, property or institutions seen as Muslim. Hostility based on Arab or other origin alone goes under racism.',
      ],
      fr: [
        'Antimusulman',
        "Hostilité envers les musulmans, ou envers des personnes, biens ou institutions perçus comme musulmans. L'hostilité fondée sur la seule origine arabe ou autre relève du racisme.",
      ],
      es: [
        'Antimusulmán',
        'Hostilidad hacia los musulmanes, o hacia personas, bienes o instituciones vistos como musulmanes. La hostilidad basada solo en el origen árabe u otro va en racismo.',
      ],
      ar: [
        'معاداة المسلمين',
        'عداء للمسلمين، أو لأشخاص أو ممتلكات أو مؤسسات يُنظر إليها على أنها إسلامية. العداء القائم على الأصل العربي أو غيره وحده يندرج تحت العنصرية.',
      ],
    },
  ],
  [
    'bias.anti_christian',
    {
      en: [
        'Anti-Christian',
        'Hostility to Christians, or to people, property or institutions seen as Christian.',
      ],
      fr: [
        'Antichrétien',
        'Hostilité envers les chrétiens, ou envers des personnes, biens ou institutions perçus comme chrétiens.',
      ],
      es: [
        'Anticristiano',
        'Hostilidad hacia los cristianos, o hacia personas, bienes o instituciones vistos como cristianos.',
      ],
      ar: ['معاداة المسيحيين', 'عداء للمسيحيين، أو لأشخاص أو ممتلكات أو مؤسسات يُنظر إليها على أنها مسيحية.'],
    },
  ],
  [
    'bias.other_religion',
    {
      en: [
        'Other religion or belief',
        "Hostility because of a religion or belief not listed (e.g. Sikh, Hindu, Buddhist, Bahá'í), or because of having no religion.",
      ],
      fr: [
        'Autre religion ou conviction',
        "Hostilité liée à une religion ou conviction non listée (p. ex. sikhe, hindoue, bouddhiste, bahá'íe) ou à l'absence de religion.",
      ],
      es: [
        'Otra religión o creencia',
        "Hostilidad por una religión o creencia no incluida (p. ej., sij, hindú, budista, bahá'í) o por no tener religión.",
      ],
      ar: [
        'دين أو معتقد آخر',
        'عداء بسبب دين أو معتقد غير مذكور (مثل السيخية والهندوسية والبوذية والبهائية) أو بسبب عدم اعتناق أي دين.',
      ],
    },
  ],
  [
    'bias.anti_roma',
    {
      en: ['Anti-Roma', 'Hostility to Roma, Sinti, Travellers and related groups (antigypsyism).'],
      fr: [
        'Anti-Roms',
        'Hostilité envers les Roms, les Sinti, les gens du voyage et les groupes apparentés (antitsiganisme).',
      ],
      es: ['Antigitanismo', 'Hostilidad hacia el pueblo gitano (roma, sinti) y grupos afines.'],
      ar: ['معاداة الغجر (الروما)', 'عداء لشعب الروما والسنتي والرحّل والجماعات المرتبطة بهم.'],
    },
  ],
  [
    'bias.anti_lgbti',
    {
      en: [
        'Anti-LGBTI',
        'Hostility because of sexual orientation, gender identity or expression, or sex characteristics (e.g. gay, lesbian, bisexual, trans, intersex, Two-Spirit).',
      ],
      fr: [
        'Anti-LGBTI',
        "Hostilité liée à l'orientation sexuelle, à l'identité ou l'expression de genre ou aux caractéristiques sexuelles (p. ex. gai, lesbienne, bisexuel, trans, intersexe, bispirituel).",
      ],
      es: [
        'Anti-LGBTI',
        'Hostilidad por la orientación sexual, la identidad o expresión de género o las características sexuales (p. ej., gay, lesbiana, bisexual, trans, intersexual, dos espíritus).',
      ],
      ar: [
        'معاداة مجتمع الميم',
        'عداء بسبب التوجه الجنسي أو الهوية أو التعبير الجندري أو الخصائص الجنسية (مثل المثليين ومزدوجي الميل الجنسي والعابرين جندريًا وثنائيي الجنس).',
      ],
    },
  ],
  [
    'bias.gender',
    {
      en: [
        'Gender (anti-women)',
        'Hostility because of sex or gender, mostly hatred of women and girls. Hostility to trans people goes under anti-LGBTI.',
      ],
      fr: [
        'Genre (antifemmes)',
        "Hostilité liée au sexe ou au genre, surtout la haine des femmes et des filles. L'hostilité envers les personnes trans relève du terme anti-LGBTI.",
      ],
      es: [
        'Género (contra las mujeres)',
        'Hostilidad por el sexo o el género, sobre todo odio hacia mujeres y niñas. La hostilidad hacia personas trans va en anti-LGBTI.',
      ],
      ar: [
        'النوع الاجتماعي (معاداة النساء)',
        'عداء بسبب الجنس أو النوع الاجتماعي، ولا سيما كراهية النساء والفتيات. العداء للأشخاص العابرين جندريًا يندرج تحت معاداة مجتمع الميم.',
      ],
    },
  ],
  [
    'bias.disability',
    {
      en: ['Disability', 'Targets people because of a physical, mental, intellectual or sensory disability.'],
      fr: [
        'Handicap',
        "Vise des personnes en raison d'un handicap physique, psychique, intellectuel ou sensoriel.",
      ],
      es: [
        'Discapacidad',
        'Se dirige a personas por una discapacidad física, psicosocial, intelectual o sensorial.',
      ],
      ar: ['الإعاقة', 'تستهدف أشخاصًا بسبب إعاقة جسدية أو نفسية أو ذهنية أو حسية.'],
    },
  ],
  [
    'bias.age',
    {
      en: ['Age', 'Targets people because of their age, young or old.'],
      fr: ['Âge', 'Vise des personnes en raison de leur âge, jeunes ou âgées.'],
      es: ['Edad', 'Se dirige a personas por su edad, jóvenes o mayores.'],
      ar: ['العمر', 'تستهدف أشخاصًا بسبب أعمارهم، صغارًا كانوا أم كبارًا.'],
    },
  ],
  [
    'bias.other',
    {
      en: [
        'Other bias',
        'A known motive that fits no term here (e.g. homelessness, social class); describe it in the notes.',
      ],
      fr: [
        'Autre préjugé',
        'Un motif connu qui ne correspond à aucun terme ici (p. ex. sans-abrisme, classe sociale) ; décrivez-le dans les notes.',
      ],
      es: [
        'Otro prejuicio',
        'Un motivo conocido que no encaja en ningún término (p. ej., sinhogarismo, clase social); descríbalo en las notas.',
      ],
      ar: [
        'تحيز آخر',
        'دافع معروف لا يطابق أي مصطلح هنا (مثل التشرد أو الطبقة الاجتماعية)؛ صِفه في الملاحظات.',
      ],
    },
  ],
  [
    'bias.unclear',
    {
      en: [
        'Mixed or unclear',
        'Bias is suspected but the motive is not established, or is a blend no term describes. When several motives are clear, record each of them instead.',
      ],
      fr: [
        'Mixte ou incertain',
        "Un préjugé est soupçonné mais le motif n'est pas établi, ou c'est un mélange qu'aucun terme ne décrit. Si plusieurs motifs sont clairs, enregistrez plutôt chacun d'eux.",
      ],
      es: [
        'Mixto o no claro',
        'Se sospecha un prejuicio pero el motivo no está establecido, o es una mezcla que ningún término describe. Si varios motivos están claros, registre cada uno.',
      ],
      ar: [
        'مختلط أو غير واضح',
        'يُشتبه في وجود تحيز لكن الدافع غير مثبت، أو هو مزيج لا يصفه أي مصطلح. إذا كانت عدة دوافع واضحة فسجّل كلًا منها.',
      ],
    },
  ],
]);

const incidentType = facetTerms('incident_type', [
  [
    'incident.crime',
    {
      en: [
        'Hate crime',
        'A criminal offence with a bias motive; prefer the specific offence below. Hostile acts that break no law go under non-criminal incident.',
      ],
      fr: [
        'Crime haineux',
        "Une infraction pénale motivée par un préjugé ; préférez l'infraction précise ci-dessous. Les actes hostiles qui n'enfreignent aucune loi relèvent de l'incident non criminel.",
      ],
      es: [
        'Delito de odio',
        'Un delito con motivo de prejuicio; prefiera el delito específico de abajo. Los actos hostiles que no infringen la ley van en incidente no delictivo.',
      ],
      ar: [
        'جريمة كراهية',
        'جريمة جنائية بدافع التحيز؛ فضّل الجريمة المحددة أدناه. الأفعال العدائية التي لا تخالف القانون تندرج تحت الحادثة غير الجنائية.',
      ],
    },
  ],
  [
    'incident.crime.assault',
    {
      en: [
        'Assault',
        'A physical attack or attempted attack on a person, with or without a weapon. Threats without contact go under threat.',
      ],
      fr: [
        'Voies de fait',
        'Une attaque physique, ou une tentative, contre une personne, avec ou sans arme. Les menaces sans contact relèvent de « menace ».',
      ],
      es: [
        'Agresión',
        'Un ataque físico, o su intento, contra una persona, con o sin arma. Las amenazas sin contacto van en amenaza.',
      ],
      ar: [
        'اعتداء',
        'هجوم جسدي على شخص أو محاولة هجوم، بسلاح أو بدونه. التهديد دون تلامس يندرج تحت التهديد.',
      ],
    },
  ],
  [
    'incident.crime.threat',
    {
      en: [
        'Threat or criminal harassment',
        'Threats to harm people or property, and criminal harassment, in person, in writing or online.',
      ],
      fr: [
        'Menace ou harcèlement criminel',
        'Menaces de porter atteinte à des personnes ou des biens, et harcèlement criminel, en personne, par écrit ou en ligne.',
      ],
      es: [
        'Amenaza o acoso delictivo',
        'Amenazas de dañar a personas o bienes, y acoso delictivo, en persona, por escrito o en línea.',
      ],
      ar: [
        'تهديد أو تحرش جنائي',
        'تهديد بإيذاء أشخاص أو ممتلكات، والتحرش الجنائي، وجهًا لوجه أو كتابةً أو عبر الإنترنت.',
      ],
    },
  ],
  [
    'incident.crime.property',
    {
      en: [
        'Property damage (mischief)',
        'Damage, defacement or hateful graffiti on property, including places of worship. Theft alone goes under other hate crime.',
      ],
      fr: [
        'Dommages aux biens (méfait)',
        "Dégradation, vandalisme ou graffiti haineux sur des biens, lieux de culte compris. Le vol seul relève d'« autre crime haineux ».",
      ],
      es: [
        'Daños a la propiedad',
        'Daños, pintadas o grafitis de odio en bienes, incluidos lugares de culto. El robo por sí solo va en otro delito de odio.',
      ],
      ar: [
        'إتلاف الممتلكات',
        'إتلاف أو تشويه ممتلكات أو كتابات كراهية عليها، بما فيها دور العبادة. السرقة وحدها تندرج تحت جريمة كراهية أخرى.',
      ],
    },
  ],
  [
    'incident.crime.incitement',
    {
      en: [
        'Public incitement or wilful promotion of hatred',
        'Public statements or material that incite or wilfully promote hatred against an identifiable group, as the criminal law defines it.',
      ],
      fr: [
        'Incitation publique ou fomentation volontaire de la haine',
        'Déclarations ou documents publics qui incitent à la haine ou la fomentent volontairement contre un groupe identifiable, au sens du droit pénal.',
      ],
      es: [
        'Incitación pública o promoción deliberada del odio',
        'Declaraciones o materiales públicos que incitan o promueven deliberadamente el odio contra un grupo identificable, según la ley penal.',
      ],
      ar: [
        'التحريض العلني أو الترويج المتعمد للكراهية',
        'تصريحات أو مواد علنية تحرض على الكراهية أو تروّج لها عمدًا ضد فئة محددة، كما يعرّفها القانون الجنائي.',
      ],
    },
  ],
  [
    'incident.crime.other',
    {
      en: [
        'Other hate crime',
        'Any other offence with a bias motive (e.g. robbery, arson); name the offence in the notes.',
      ],
      fr: [
        'Autre crime haineux',
        "Toute autre infraction motivée par un préjugé (p. ex. vol qualifié, incendie criminel) ; précisez l'infraction dans les notes.",
      ],
      es: [
        'Otro delito de odio',
        'Cualquier otro delito con motivo de prejuicio (p. ej., robo, incendio provocado); indique el delito en las notas.',
      ],
      ar: [
        'جريمة كراهية أخرى',
        'أي جريمة أخرى بدافع التحيز (مثل السرقة بالإكراه أو الحرق العمد)؛ اذكر الجريمة في الملاحظات.',
      ],
    },
  ],
  [
    'incident.non_crime',
    {
      en: [
        'Non-criminal hate incident',
        'A hostile act motivated by bias that is not a criminal offence, e.g. slurs, gestures or lawful but hateful leaflets.',
      ],
      fr: [
        'Incident haineux non criminel',
        "Un acte hostile motivé par un préjugé qui n'est pas une infraction, p. ex. insultes, gestes ou tracts haineux mais légaux.",
      ],
      es: [
        'Incidente de odio no delictivo',
        'Un acto hostil motivado por prejuicio que no es delito, p. ej., insultos, gestos u octavillas de odio pero legales.',
      ],
      ar: [
        'حادثة كراهية غير جنائية',
        'فعل عدائي بدافع التحيز لا يُعد جريمة، مثل الشتائم أو الإيماءات أو المنشورات البغيضة غير المخالفة للقانون.',
      ],
    },
  ],
  [
    'incident.hate_speech',
    {
      en: [
        'Hate speech',
        'Speech or content expressing hatred against a group, offline or online, whether or not it is a crime. Add incitement too when it is criminal.',
      ],
      fr: [
        'Discours de haine',
        "Propos ou contenus exprimant la haine envers un groupe, hors ligne ou en ligne, qu'ils soient criminels ou non. Ajoutez aussi l'incitation s'ils sont criminels.",
      ],
      es: [
        'Discurso de odio',
        'Expresiones o contenidos que manifiestan odio hacia un grupo, fuera de línea o en línea, sean o no delito. Añada también incitación si es delictivo.',
      ],
      ar: [
        'خطاب الكراهية',
        'كلام أو محتوى يعبّر عن الكراهية تجاه فئة، على أرض الواقع أو عبر الإنترنت، سواء أكان جريمة أم لا. أضف التحريض أيضًا إن كان جنائيًا.',
      ],
    },
  ],
  [
    'incident.discrimination',
    {
      en: [
        'Discrimination',
        'Unequal treatment because of a protected characteristic, in services, housing, work or school. Hostile acts without unequal treatment go elsewhere.',
      ],
      fr: [
        'Discrimination',
        "Traitement inégal fondé sur une caractéristique protégée, dans les services, le logement, l'emploi ou l'école. Les actes hostiles sans traitement inégal relèvent d'autres termes.",
      ],
      es: [
        'Discriminación',
        'Trato desigual por una característica protegida, en servicios, vivienda, empleo o escuela. Los actos hostiles sin trato desigual van en otros términos.',
      ],
      ar: [
        'التمييز',
        'معاملة غير متساوية بسبب خاصية محمية، في الخدمات أو السكن أو العمل أو المدرسة. الأفعال العدائية دون معاملة غير متساوية تندرج تحت مصطلحات أخرى.',
      ],
    },
  ],
]);

const channel = facetTerms('channel', [
  [
    'channel.offline',
    {
      en: [
        'In person',
        'Happened in a physical place: street, transit, school, workplace, home or place of worship.',
      ],
      fr: [
        'En personne',
        "S'est produit dans un lieu physique : rue, transports, école, lieu de travail, domicile ou lieu de culte.",
      ],
      es: [
        'En persona',
        'Ocurrió en un lugar físico: calle, transporte, escuela, trabajo, vivienda o lugar de culto.',
      ],
      ar: [
        'وجهًا لوجه',
        'وقعت في مكان مادي: الشارع أو وسائل النقل أو المدرسة أو مكان العمل أو المنزل أو دار العبادة.',
      ],
    },
  ],
  [
    'channel.online',
    {
      en: ['Online', 'Happened on the internet: social media, messaging apps, email, websites or games.'],
      fr: [
        'En ligne',
        "S'est produit sur internet : réseaux sociaux, messageries, courriel, sites web ou jeux.",
      ],
      es: [
        'En línea',
        'Ocurrió en internet: redes sociales, mensajería, correo electrónico, sitios web o juegos.',
      ],
      ar: [
        'عبر الإنترنت',
        'وقعت على الإنترنت: وسائل التواصل الاجتماعي أو تطبيقات المراسلة أو البريد الإلكتروني أو المواقع أو الألعاب.',
      ],
    },
  ],
]);

const extremism = facetTerms('extremism', [
  [
    'extremism.far_right',
    {
      en: [
        'Far-right',
        'White supremacist, neo-Nazi, ethno-nationalist or violent anti-immigrant ideas and groups. Lawful conservative politics does not belong here.',
      ],
      fr: [
        'Extrême droite',
        "Idées et groupes suprémacistes blancs, néonazis, ethnonationalistes ou violemment anti-immigrés. La politique conservatrice légale n'en relève pas.",
      ],
      es: [
        'Extrema derecha',
        'Ideas y grupos supremacistas blancos, neonazis, etnonacionalistas o violentamente antiinmigrantes. La política conservadora legal no va aquí.',
      ],
      ar: [
        'اليمين المتطرف',
        'أفكار وجماعات تؤمن بتفوق البيض أو النازية الجديدة أو القومية العرقية أو العداء العنيف للمهاجرين. السياسة المحافظة المشروعة لا تندرج هنا.',
      ],
    },
  ],
  [
    'extremism.far_left',
    {
      en: [
        'Far-left',
        'Revolutionary left-wing or anarchist ideas that endorse violence. Lawful left-wing activism does not belong here.',
      ],
      fr: [
        'Extrême gauche',
        "Idées révolutionnaires de gauche ou anarchistes qui cautionnent la violence. Le militantisme de gauche légal n'en relève pas.",
      ],
      es: [
        'Extrema izquierda',
        'Ideas revolucionarias de izquierda o anarquistas que avalan la violencia. El activismo de izquierda legal no va aquí.',
      ],
      ar: ['اليسار المتطرف', 'أفكار يسارية ثورية أو فوضوية تؤيد العنف. النشاط اليساري المشروع لا يندرج هنا.'],
    },
  ],
  [
    'extremism.religious',
    {
      en: [
        'Religiously motivated',
        "Ideologies that claim a religious justification for violence. A person's faith or religious practice alone never belongs here.",
      ],
      fr: [
        'À motivation religieuse',
        "Idéologies qui invoquent une justification religieuse de la violence. La foi ou la pratique religieuse d'une personne n'en relève jamais à elle seule.",
      ],
      es: [
        'De motivación religiosa',
        'Ideologías que invocan una justificación religiosa de la violencia. La fe o la práctica religiosa de una persona nunca va aquí por sí sola.',
      ],
      ar: [
        'بدوافع دينية',
        'أيديولوجيات تدّعي مسوّغًا دينيًا للعنف. إيمان الشخص أو ممارسته الدينية وحدهما لا يندرجان هنا أبدًا.',
      ],
    },
  ],
  [
    'extremism.anti_government',
    {
      en: [
        'Anti-government / anti-authority',
        'Ideas that reject the legitimacy of the state and justify violence against it or its officials (e.g. sovereign citizens, militias). Lawful protest does not belong here.',
      ],
      fr: [
        'Antigouvernemental / anti-autorité',
        "Idées qui rejettent la légitimité de l'État et justifient la violence contre lui ou ses agents (p. ex. « citoyens souverains », milices). La manifestation légale n'en relève pas.",
      ],
      es: [
        'Antigubernamental / antiautoridad',
        'Ideas que rechazan la legitimidad del Estado y justifican la violencia contra él o sus funcionarios (p. ej., «ciudadanos soberanos», milicias). La protesta legal no va aquí.',
      ],
      ar: [
        'معاداة الحكومة والسلطة',
        'أفكار ترفض شرعية الدولة وتبرر العنف ضدها أو ضد موظفيها (مثل حركات «المواطنين السياديين» والميليشيات). الاحتجاج المشروع لا يندرج هنا.',
      ],
    },
  ],
  [
    'extremism.misogynist',
    {
      en: [
        'Misogynist (e.g. incel)',
        'Hatred of women held as an ideology that justifies violence, e.g. violent incel networks. A single sexist act goes under the gender bias.',
      ],
      fr: [
        'Misogyne (p. ex. incel)',
        'La haine des femmes érigée en idéologie justifiant la violence, p. ex. réseaux incels violents. Un acte sexiste isolé relève du préjugé lié au genre.',
      ],
      es: [
        'Misógino (p. ej., incel)',
        'El odio a las mujeres como ideología que justifica la violencia, p. ej., redes incel violentas. Un acto sexista aislado va en el prejuicio de género.',
      ],
      ar: [
        'كراهية النساء (مثل حركة «إنسل»)',
        'كراهية النساء بوصفها أيديولوجيا تبرر العنف، مثل شبكات «إنسل» العنيفة. الفعل المتحيز جنسيًا المنفرد يندرج تحت تحيز النوع الاجتماعي.',
      ],
    },
  ],
  [
    'extremism.conspiracy',
    {
      en: [
        'Conspiracy-driven',
        'Violence justified by conspiracy theories (e.g. "great replacement", QAnon). The rumours themselves go under disinformation.',
      ],
      fr: [
        'Fondé sur le complotisme',
        'Violence justifiée par des théories du complot (p. ex. « grand remplacement », QAnon). Les rumeurs elles-mêmes relèvent de la désinformation.',
      ],
      es: [
        'Impulsado por conspiraciones',
        'Violencia justificada por teorías conspirativas (p. ej., «gran reemplazo», QAnon). Los rumores en sí van en desinformación.',
      ],
      ar: [
        'بدافع نظريات المؤامرة',
        'عنف تبرره نظريات المؤامرة (مثل «الاستبدال الكبير» وكيو أنون). الشائعات نفسها تندرج تحت التضليل الإعلامي.',
      ],
    },
  ],
  [
    'extremism.mixed_unclear',
    {
      en: [
        'Mixed or unclear ideology',
        'A blend of grievances and ideologies with none dominant, or an ideology not yet known. Use it rather than forcing one label.',
      ],
      fr: [
        'Idéologie mixte ou incertaine',
        "Un mélange de griefs et d'idéologies sans dominante, ou une idéologie encore inconnue. Utilisez-le plutôt que de forcer une seule étiquette.",
      ],
      es: [
        'Ideología mixta o no clara',
        'Una mezcla de agravios e ideologías sin una dominante, o una ideología aún desconocida. Úselo en lugar de forzar una sola etiqueta.',
      ],
      ar: [
        'أيديولوجيا مختلطة أو غير واضحة',
        'مزيج من المظالم والأيديولوجيات دون غلبة لأي منها، أو أيديولوجيا غير معروفة بعد. استخدمه بدلًا من فرض تصنيف واحد.',
      ],
    },
  ],
]);

const disinformation = facetTerms('disinformation', [
  [
    'disinfo.rumour',
    {
      en: [
        'Rumour',
        'A false or unverified claim spreading locally, e.g. about a group or an event. Organised, repeated spreading goes under coordinated campaign.',
      ],
      fr: [
        'Rumeur',
        'Une affirmation fausse ou non vérifiée qui circule localement, p. ex. sur un groupe ou un événement. La diffusion organisée et répétée relève de la campagne coordonnée.',
      ],
      es: [
        'Rumor',
        'Una afirmación falsa o no verificada que circula localmente, p. ej., sobre un grupo o un suceso. La difusión organizada y repetida va en campaña coordinada.',
      ],
      ar: [
        'شائعة',
        'ادعاء كاذب أو غير مؤكد ينتشر محليًا، مثلًا عن فئة أو حدث. النشر المنظم والمتكرر يندرج تحت الحملة المنسقة.',
      ],
    },
  ],
  [
    'disinfo.conspiracy_narrative',
    {
      en: [
        'Conspiracy narrative',
        'A story that a hidden group secretly controls events, often blaming a minority.',
      ],
      fr: [
        'Récit complotiste',
        'Un récit selon lequel un groupe caché contrôle secrètement les événements, accusant souvent une minorité.',
      ],
      es: [
        'Narrativa conspirativa',
        'Un relato según el cual un grupo oculto controla en secreto los acontecimientos, a menudo culpando a una minoría.',
      ],
      ar: ['سردية مؤامرة', 'رواية تزعم أن جماعة خفية تتحكم سرًا في الأحداث، وغالبًا ما تُلقي اللوم على أقلية.'],
    },
  ],
  [
    'disinfo.coordinated_campaign',
    {
      en: [
        'Coordinated campaign',
        'Deliberate, organised spreading of false or misleading content, e.g. networks of accounts or repeated leafleting.',
      ],
      fr: [
        'Campagne coordonnée',
        'Diffusion délibérée et organisée de contenus faux ou trompeurs, p. ex. réseaux de comptes ou tractages répétés.',
      ],
      es: [
        'Campaña coordinada',
        'Difusión deliberada y organizada de contenidos falsos o engañosos, p. ej., redes de cuentas o reparto repetido de octavillas.',
      ],
      ar: [
        'حملة منسقة',
        'نشر متعمد ومنظم لمحتوى كاذب أو مضلل، مثل شبكات الحسابات أو توزيع المنشورات المتكرر.',
      ],
    },
  ],
]);

const tension = facetTerms('tension', [
  [
    'tension.political_polarisation',
    {
      en: [
        'Political polarisation',
        'Hostility between political camps that spills into community life, e.g. confrontations at meetings or protests.',
      ],
      fr: [
        'Polarisation politique',
        'Hostilité entre camps politiques qui déborde sur la vie locale, p. ex. affrontements lors de réunions ou de manifestations.',
      ],
      es: [
        'Polarización política',
        'Hostilidad entre bandos políticos que se extiende a la vida comunitaria, p. ej., enfrentamientos en reuniones o protestas.',
      ],
      ar: [
        'الاستقطاب السياسي',
        'عداء بين المعسكرات السياسية يمتد إلى الحياة المجتمعية، مثل المواجهات في الاجتماعات أو الاحتجاجات.',
      ],
    },
  ],
  [
    'tension.intercommunity',
    {
      en: [
        'Tension between communities',
        'Friction between groups of residents, e.g. ethnic, religious, generational, or between newcomers and long-time residents.',
      ],
      fr: [
        'Tensions intercommunautaires',
        'Frictions entre groupes de résidents, p. ex. ethniques, religieux, générationnels, ou entre nouveaux arrivants et résidents de longue date.',
      ],
      es: [
        'Tensión entre comunidades',
        'Fricciones entre grupos de residentes, p. ej., étnicos, religiosos, generacionales, o entre recién llegados y residentes de larga data.',
      ],
      ar: [
        'التوتر بين المجتمعات',
        'احتكاك بين فئات من السكان، مثلًا على أساس إثني أو ديني أو بين الأجيال، أو بين القادمين الجدد والسكان القدامى.',
      ],
    },
  ],
  [
    'tension.anti_government',
    {
      en: [
        'Anti-government sentiment',
        'Growing distrust of or anger at public authorities, e.g. harassment of officials. Organised violent movements go under extremism.',
      ],
      fr: [
        'Sentiment antigouvernemental',
        "Méfiance ou colère croissante envers les autorités publiques, p. ex. harcèlement d'élus ou d'agents. Les mouvements violents organisés relèvent de l'extrémisme.",
      ],
      es: [
        'Sentimiento antigubernamental',
        'Desconfianza o enojo crecientes hacia las autoridades públicas, p. ej., acoso a funcionarios. Los movimientos violentos organizados van en extremismo.',
      ],
      ar: [
        'المشاعر المعادية للحكومة',
        'تزايد انعدام الثقة بالسلطات العامة أو الغضب منها، مثل مضايقة المسؤولين. الحركات العنيفة المنظمة تندرج تحت التطرف.',
      ],
    },
  ],
  [
    'tension.anti_migrant',
    {
      en: [
        'Anti-migrant sentiment',
        'Hostility to migrants, refugees or asylum seekers in local debate, e.g. over housing or shelters.',
      ],
      fr: [
        'Sentiment anti-migrants',
        "Hostilité envers les migrants, réfugiés ou demandeurs d'asile dans le débat local, p. ex. sur le logement ou les centres d'hébergement.",
      ],
      es: [
        'Sentimiento antimigrante',
        'Hostilidad hacia migrantes, refugiados o solicitantes de asilo en el debate local, p. ej., sobre vivienda o albergues.',
      ],
      ar: [
        'المشاعر المعادية للمهاجرين',
        'عداء للمهاجرين أو اللاجئين أو طالبي اللجوء في النقاش المحلي، مثلًا حول السكن أو مراكز الإيواء.',
      ],
    },
  ],
  [
    'tension.antisemitic',
    {
      en: [
        'Antisemitic sentiment',
        'A climate of hostility towards Jews in the area, beyond single incidents.',
      ],
      fr: [
        'Sentiment antisémite',
        "Un climat d'hostilité envers les Juifs dans le secteur, au-delà des incidents isolés.",
      ],
      es: [
        'Sentimiento antisemita',
        'Un clima de hostilidad hacia los judíos en la zona, más allá de incidentes aislados.',
      ],
      ar: ['المشاعر المعادية للسامية', 'مناخ من العداء تجاه اليهود في المنطقة، يتجاوز الحوادث المنفردة.'],
    },
  ],
  [
    'tension.anti_women',
    {
      en: [
        'Anti-women sentiment',
        'A climate of hostility towards women and girls, including online misogyny that affects local life.',
      ],
      fr: [
        'Sentiment antifemmes',
        "Un climat d'hostilité envers les femmes et les filles, y compris la misogynie en ligne qui touche la vie locale.",
      ],
      es: [
        'Sentimiento contra las mujeres',
        'Un clima de hostilidad hacia mujeres y niñas, incluida la misoginia en línea que afecta la vida local.',
      ],
      ar: [
        'المشاعر المعادية للنساء',
        'مناخ من العداء تجاه النساء والفتيات، بما في ذلك كراهية النساء عبر الإنترنت التي تؤثر في الحياة المحلية.',
      ],
    },
  ],
  [
    'tension.hate_speech',
    {
      en: [
        'Climate of hate speech',
        'Rising hateful speech in the area or its online spaces, beyond single incidents.',
      ],
      fr: [
        'Climat de discours haineux',
        'Hausse des propos haineux dans le secteur ou ses espaces en ligne, au-delà des incidents isolés.',
      ],
      es: [
        'Clima de discurso de odio',
        'Aumento del discurso de odio en la zona o en sus espacios en línea, más allá de incidentes aislados.',
      ],
      ar: [
        'مناخ خطاب الكراهية',
        'تصاعد الخطاب البغيض في المنطقة أو في فضاءاتها الرقمية، بما يتجاوز الحوادث المنفردة.',
      ],
    },
  ],
]);

const need = facetTerms('need', [
  [
    'need.victim_support',
    {
      en: [
        'Victim support',
        'Help for people targeted by hate: advice, accompaniment, legal and practical support.',
      ],
      fr: [
        'Aide aux victimes',
        'Aide aux personnes visées par la haine : conseil, accompagnement, soutien juridique et pratique.',
      ],
      es: [
        'Apoyo a víctimas',
        'Ayuda a las personas afectadas por el odio: orientación, acompañamiento, apoyo jurídico y práctico.',
      ],
      ar: ['دعم الضحايا', 'مساعدة الأشخاص المستهدفين بالكراهية: المشورة والمرافقة والدعم القانوني والعملي.'],
    },
  ],
  [
    'need.mental_health',
    {
      en: [
        'Mental health',
        'Psychological support for victims, witnesses, people at risk and frontline workers.',
      ],
      fr: [
        'Santé mentale',
        'Soutien psychologique aux victimes, témoins, personnes à risque et intervenants de première ligne.',
      ],
      es: [
        'Salud mental',
        'Apoyo psicológico a víctimas, testigos, personas en riesgo y personal de primera línea.',
      ],
      ar: ['الصحة النفسية', 'دعم نفسي للضحايا والشهود والأشخاص المعرضين للخطر والعاملين في الخطوط الأمامية.'],
    },
  ],
  [
    'need.youth_services',
    {
      en: ['Youth services', 'Activities, mentoring and support for children and young people.'],
      fr: ['Services jeunesse', 'Activités, mentorat et accompagnement pour les enfants et les jeunes.'],
      es: ['Servicios para jóvenes', 'Actividades, mentoría y apoyo para niños, niñas y jóvenes.'],
      ar: ['خدمات الشباب', 'أنشطة وإرشاد ودعم للأطفال والشباب.'],
    },
  ],
  [
    'need.social_isolation',
    {
      en: ['Social isolation', 'People cut off from neighbours, community life or services.'],
      fr: ['Isolement social', 'Personnes coupées de leurs voisins, de la vie collective ou des services.'],
      es: [
        'Aislamiento social',
        'Personas aisladas de sus vecinos, de la vida comunitaria o de los servicios.',
      ],
      ar: ['العزلة الاجتماعية', 'أشخاص منقطعون عن جيرانهم أو عن الحياة المجتمعية أو الخدمات.'],
    },
  ],
  [
    'need.language_access',
    {
      en: ['Language access', "Interpretation, translation and services in residents' own languages."],
      fr: ['Accès linguistique', 'Interprétation, traduction et services dans la langue des résidents.'],
      es: ['Acceso lingüístico', 'Interpretación, traducción y servicios en el idioma de los residentes.'],
      ar: ['الوصول اللغوي', 'الترجمة الفورية والتحريرية والخدمات بلغات السكان.'],
    },
  ],
  [
    'need.employment',
    {
      en: ['Employment', 'Jobs, training and income for people at risk of exclusion.'],
      fr: ['Emploi', "Emploi, formation et revenus pour les personnes menacées d'exclusion."],
      es: ['Empleo', 'Empleo, formación e ingresos para personas en riesgo de exclusión.'],
      ar: ['التوظيف', 'فرص العمل والتدريب والدخل للأشخاص المعرضين للإقصاء.'],
    },
  ],
  [
    'need.housing',
    {
      en: ['Housing', 'Safe, affordable housing, and help with eviction or homelessness.'],
      fr: ['Logement', "Logement sûr et abordable, et aide face à l'expulsion ou au sans-abrisme."],
      es: ['Vivienda', 'Vivienda segura y asequible, y ayuda ante desalojos o sinhogarismo.'],
      ar: ['السكن', 'سكن آمن وميسور التكلفة، ومساعدة في مواجهة الإخلاء أو التشرد.'],
    },
  ],
]);

const protective = facetTerms('protective', [
  [
    'protective.community_spaces',
    {
      en: [
        'Community spaces',
        'Places where people from different groups meet: community centres, libraries, parks, sports grounds.',
      ],
      fr: [
        'Espaces communautaires',
        'Lieux où se rencontrent des personnes de groupes différents : centres communautaires, bibliothèques, parcs, terrains de sport.',
      ],
      es: [
        'Espacios comunitarios',
        'Lugares donde se encuentran personas de distintos grupos: centros comunitarios, bibliotecas, parques, instalaciones deportivas.',
      ],
      ar: [
        'المساحات المجتمعية',
        'أماكن يلتقي فيها أشخاص من فئات مختلفة: المراكز المجتمعية والمكتبات والحدائق والملاعب.',
      ],
    },
  ],
  [
    'protective.trusted_leaders',
    {
      en: [
        'Trusted leaders',
        'Community, faith and youth leaders whom residents trust and who speak out against hate.',
      ],
      fr: [
        'Leaders de confiance',
        'Responsables communautaires, religieux et jeunesse en qui les résidents ont confiance et qui dénoncent la haine.',
      ],
      es: [
        'Líderes de confianza',
        'Líderes comunitarios, religiosos y juveniles en quienes confían los residentes y que se pronuncian contra el odio.',
      ],
      ar: ['قادة موثوقون', 'قادة مجتمعيون ودينيون وشبابيون يثق بهم السكان ويرفعون أصواتهم ضد الكراهية.'],
    },
  ],
  [
    'protective.civic_participation',
    {
      en: ['Civic participation', 'Residents taking part in local decisions, volunteering and civic life.'],
      fr: [
        'Participation citoyenne',
        'Résidents qui prennent part aux décisions locales, au bénévolat et à la vie civique.',
      ],
      es: [
        'Participación ciudadana',
        'Residentes que participan en las decisiones locales, el voluntariado y la vida cívica.',
      ],
      ar: ['المشاركة المدنية', 'مشاركة السكان في القرارات المحلية والعمل التطوعي والحياة المدنية.'],
    },
  ],
  [
    'protective.interfaith_dialogue',
    {
      en: [
        'Interfaith and intercultural dialogue',
        'Regular contact and joint work between faith and cultural communities.',
      ],
      fr: [
        'Dialogue interreligieux et interculturel',
        'Contacts réguliers et actions communes entre communautés religieuses et culturelles.',
      ],
      es: [
        'Diálogo interreligioso e intercultural',
        'Contacto regular y trabajo conjunto entre comunidades religiosas y culturales.',
      ],
      ar: ['الحوار بين الأديان والثقافات', 'تواصل منتظم وعمل مشترك بين المجتمعات الدينية والثقافية.'],
    },
  ],
  [
    'protective.youth_programmes',
    {
      en: [
        'Youth programmes',
        'Long-running programmes that give young people belonging, skills and mentors.',
      ],
      fr: [
        'Programmes jeunesse',
        'Programmes durables qui offrent aux jeunes appartenance, compétences et mentors.',
      ],
      es: [
        'Programas juveniles',
        'Programas duraderos que dan a los jóvenes pertenencia, habilidades y mentores.',
      ],
      ar: ['برامج الشباب', 'برامج طويلة الأمد تمنح الشباب الانتماء والمهارات والمرشدين.'],
    },
  ],
]);

/** Every default term, parents before children, in display order. */
export const DEFAULT_TERMS: readonly DefaultTerm[] = [
  ...bias,
  ...incidentType,
  ...channel,
  ...extremism,
  ...disinformation,
  ...tension,
  ...need,
  ...protective,
];
