"""Text for the generated data, in Korean, Japanese and English.

Sentences are combined at random, so comments vary in length (one to five sentences) the way real
ones do. Japanese has no spaces between sentences; Korean and English have one.
"""

COMMENT_SENTENCES = {
    "ko": [
        "이 제안의 방향에는 동의하지만 재원 마련 방안이 더 구체적이어야 한다고 생각합니다.",
        "청년 교류를 늘리려면 비자 절차부터 간소화해야 합니다.",
        "지방 대학의 학생들도 참여할 수 있도록 설계되었으면 좋겠습니다.",
        "양국 정부가 정권 교체와 관계없이 이어갈 수 있는 장치가 필요합니다.",
        "실제로 교환학생을 다녀온 경험으로는 언어보다 주거 문제가 더 컸습니다.",
        "반도체 공급망 협력은 이미 기업 차원에서 진행되고 있지 않나요?",
        "성과 지표를 미리 정해 두지 않으면 몇 년 뒤 평가가 어렵습니다.",
        "역사 문제와 분리해서 논의할 수 있는 분야부터 시작하는 것이 현실적입니다.",
        "일본 측 참가자들의 의견도 더 듣고 싶습니다.",
        "예산 규모가 너무 작아서 상징적인 사업에 그칠까 걱정됩니다.",
        "기후 분야 협력은 청년 세대에게 가장 절실한 주제라고 봅니다.",
        "인구 감소 문제는 두 나라가 함께 연구할 가치가 충분합니다.",
        "공동 펀드의 운영 주체가 누구인지 명확히 해야 합니다.",
        "이 부분은 수정안으로 제안해 보겠습니다.",
        "좋은 제안이지만 우선순위가 조금 다르다고 생각합니다.",
        "스타트업 지원이라면 초기 단계보다 해외 진출 단계에 집중하는 편이 효과적입니다.",
        "온라인 교류 프로그램도 함께 운영하면 비용을 줄일 수 있습니다.",
        "참여 기관 목록이 공개되면 신뢰가 높아질 것 같습니다.",
        "3년 단위로 중간 점검을 하자는 의견에 찬성합니다.",
        "원자력 안전 협력은 시민들의 이해를 먼저 구해야 합니다.",
    ],
    "ja": [
        "提案の方向性には賛成ですが、財源の確保についてもう少し具体的な説明が必要だと思います。",
        "若者の交流を増やすには、まずビザの手続きを簡素化すべきです。",
        "地方の大学の学生も参加できる仕組みにしてほしいです。",
        "政権が変わっても続けられる制度的な裏付けが欠かせません。",
        "実際に留学した経験から言うと、言葉よりも住まいの問題のほうが大きかったです。",
        "半導体サプライチェーンの協力は、すでに企業レベルで進んでいるのではないでしょうか。",
        "成果指標を先に決めておかないと、数年後の評価が難しくなります。",
        "歴史問題と切り離して議論できる分野から始めるのが現実的です。",
        "韓国側の参加者の意見ももっと聞いてみたいです。",
        "予算規模が小さすぎて、象徴的な事業で終わらないか心配です。",
        "気候分野での協力は、若い世代にとって最も切実なテーマだと思います。",
        "人口減少の問題は、両国が一緒に研究する価値が十分にあります。",
        "共同基金の運営主体を明確にする必要があります。",
        "この部分は修正案として提案してみます。",
        "良い提案ですが、優先順位は少し違うと考えます。",
        "スタートアップ支援なら、創業期よりも海外展開の段階に集中したほうが効果的です。",
        "オンライン交流プログラムを併用すれば費用を抑えられます。",
        "参加機関の一覧が公開されれば、信頼が高まると思います。",
        "三年ごとに中間評価を行うという意見に賛成です。",
        "原子力の安全協力は、まず市民の理解を得ることが大切です。",
    ],
    "en": [
        "I agree with the direction of this proposal, but the funding plan needs more detail.",
        "If we want more youth exchange, the visa process has to get simpler first.",
        "Students at regional universities should be able to take part as well.",
        "It needs an institutional anchor that survives a change of government.",
        "From my own exchange year, housing was a bigger problem than language.",
        "Isn't supply-chain cooperation on semiconductors already happening between companies?",
        "Without indicators agreed in advance, it will be hard to evaluate this in a few years.",
        "Starting with areas that can be discussed apart from history seems realistic.",
        "I would like to hear more from participants on the other side.",
        "The budget looks too small to be more than a symbolic programme.",
        "Climate cooperation is the most urgent topic for our generation.",
        "Population decline is worth researching together.",
        "Who runs the joint fund should be made explicit.",
        "I will suggest this change as an amendment.",
        "Good proposal, though I would order the priorities differently.",
        "Support for start-ups works better at the expansion stage than at founding.",
        "Running online exchanges alongside would keep the costs down.",
        "Publishing the list of participating institutions would build trust.",
        "I support the idea of a review every three years.",
        "Nuclear safety cooperation needs public understanding first.",
    ],
}

REPLY_OPENERS = {
    "ko": [
        "좋은 지적입니다.",
        "저도 같은 생각입니다.",
        "조금 다르게 봅니다.",
        "근거가 있을까요?",
        "덧붙이자면,",
    ],
    "ja": [
        "鋭いご指摘です。",
        "私も同じ考えです。",
        "少し違う見方をしています。",
        "根拠はありますか。",
        "付け加えると、",
    ],
    "en": [
        "Good point.",
        "I think so too.",
        "I see it differently.",
        "Is there evidence for that?",
        "To add to this,",
    ],
}

AMENDMENT_SENTENCES = {
    "ko": [
        "이 사업은 3년마다 독립적인 평가를 받는다.",
        "참여자의 절반 이상은 수도권 외 지역에서 선발한다.",
        "운영 현황은 매년 한국어와 일본어로 공개한다.",
        "청년 대표가 운영위원회에 참여한다.",
    ],
    "ja": [
        "本事業は三年ごとに独立した評価を受ける。",
        "参加者の半数以上は首都圏以外の地域から選ぶ。",
        "運営状況は毎年、日本語と韓国語で公開する。",
        "若者の代表が運営委員会に参加する。",
    ],
    "en": [
        "The programme is independently evaluated every three years.",
        "At least half of the participants come from outside the capital regions.",
        "Its operation is reported every year in Korean and Japanese.",
        "Youth representatives sit on the steering committee.",
    ],
}

RATIONALES = {
    "ko": [
        "책임성을 높이기 위해서입니다.",
        "지역 간 격차를 줄이기 위한 수정입니다.",
        "번역을 원문에 맞췄습니다.",
    ],
    "ja": [
        "説明責任を高めるためです。",
        "地域間の格差を縮めるための修正です。",
        "翻訳を原文に合わせました。",
    ],
    "en": ["For accountability.", "To narrow the gap between regions.", "Brings the translation in line."],
}

KOREAN_FAMILY = ["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"]
KOREAN_GIVEN = [
    "민준",
    "서연",
    "도윤",
    "하은",
    "지호",
    "수아",
    "예준",
    "지민",
    "현우",
    "유진",
    "승민",
    "다은",
]
JAPANESE_FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
]
JAPANESE_GIVEN = ["陽翔", "結衣", "蓮", "陽菜", "湊", "凛", "大翔", "美咲", "悠真", "さくら", "颯太", "葵"]
OTHER_NAMES = ["Alex", "Sam", "Jordan", "Mina", "Kai", "Lena", "Noah", "Ana", "Yuri", "Leo"]
AFFILIATIONS = {
    "KR": ["서울대학교", "연세대학교", "부산대학교", "전남대학교", "청년정책네트워크", ""],
    "JP": ["東京大学", "早稲田大学", "九州大学", "北海道大学", "日韓学生会議", ""],
    "OTHER": ["University of Hawaii", "National University of Singapore", ""],
}

HIDDEN_REASONS = ["Personal attack.", "Spam link.", "Hostility toward a nationality."]
REPORT_NOTES = [
    "",
    "",
    "Looks like advertising.",
    "국적에 대한 비하 표현이 있습니다.",
    "個人攻撃だと思います。",
]

INSTITUTIONS = {
    "KR": ["Ministry of Foreign Affairs (ROK)", "Ministry of Education (ROK)", "National Assembly (ROK)"],
    "JP": ["Ministry of Foreign Affairs (Japan)", "MEXT", "Cabinet Office (Japan)"],
    "BILATERAL": ["Korea–Japan Cooperation Foundation", "Trilateral Cooperation Secretariat"],
}
MILESTONE_TITLES = {
    "en": "{institution}: step {n} on this proposal",
    "ko": "{institution}: 이 제안에 대한 {n}번째 조치",
    "ja": "{institution}：この提案に関する第{n}段階",
}
MILESTONE_DESCRIPTIONS = {
    "en": "The institution discussed the proposal and published its position.",
    "ko": "해당 기관이 제안을 논의하고 입장을 발표했다.",
    "ja": "当該機関が提案を検討し、見解を公表した。",
}


def join_sentences(language: str, sentences: list[str]) -> str:
    return ("" if language == "ja" else " ").join(sentences)
