"""What kind of question it is: cue phrases, and the precedence that settles conflicts.

Cues are looked for in the normalised text with metric names and date phrases masked out, so
"forecast accuracy" (a metric) or "compared to October" (a baseline) do not double as cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.domain import Grain, Intent
from agent.understand.refusals import REFUSALS, UNCOMPUTED
from agent.understand.vocabulary import REPORT_NOUNS

_P = re.compile

# "How is X doing / holding up / faring?": one list for the digest cue and the subject check.
_HOW_IS = r"how(?:s| is| are| was| were|re|d| did)"
_DOING = r"(?:doing|going|looking|performing|far(?:e|ed|ing)|hold(?:ing)? up|held up|shaping up)"

# "my first weekly report", "the daily standup": a meeting's or a report's cadence, not a
# request for the course over time; "weekly revenue run-rate" is one figure per week.
_NOT_A_REPORT = (
    rf"(?! (?:\S+ )?(?:{'|'.join(sorted(REPORT_NOUNS))}|stand up|check in|one on one|run rate)\b)"
)

CUES: dict[str, re.Pattern[str]] = {
    "why": _P(
        r"\b(?:why|how come|what happened|whats happening|what is happening|whats going on|"
        r"what is going on|what went wrong|root cause|what caused|whats causing|what is causing|"
        r"what drove|whats driving|what is driving|explain|reasons? for|cause of|causes of|"
        r"behind the|responsible for|what (?:pushed|pulled|dragged|knocked|sent|made)|"
        # "which channel carried the gap?", "accounts for the shortfall"
        r"(?:carried|carries|caused|causes|drove|drives|explains|accounts for) (?:most of )?the "
        r"(?:gap|shortfall|difference|drop|decline|step ?down|miss)|"
        r"what (?:killed|hurt|tanked|sank|crushed|hit|dented|wrecked|ate|broke)|whys|why s|"
        r"what is the reason|whats the reason|the reason (?:that|why|for)|reason why|"
        r"(?:root )?causes?$|"
        r"whats behind (?:it|this|that)|what is behind (?:it|this|that)|"
        # "is that the cause or is something else dragging them?", "decompose by region"
        r"(?:is|was) (?:that|this|it) the (?:cause|reason)|dragging (?:\S+ )?down|"
        r"(?:something|anything|what|whats) (?:else )?(?:is )?dragging|decompos(?:e|ed|ition)|"
        r"leak(?:s|ing|ed)?|"
        r"(?:is|s) (?:it|this|that) coming from|where (?:is|s) (?:it|this|that) coming from|"
        # "where does the deviation in the turnover come from?"
        r"where (?:does|do|did) (?:\S+ ){1,10}?come from|"
        r"where (?:did|has|have) (?:\S+ ){0,7}?(?:go|gone)|"
        # "3.1% to 2.7% last week, which channel did that?": which part made the move.
        r"which (?:\S+ ){1,2}?(?:did|caused|drove|was behind|is behind) (?:that|this|it)|"
        # "creeping up since Christmas. is one category behind it?"
        r"(?:is|was|are|were) (?:one|a|any|some) (?:\S+ ){1,2}?behind (?:it|this|that)|"
        # "climbing since Earth Day. is it one region?": one part carrying the whole move.
        r"(?:is|was) it (?:just |only |all )?(?:one|a single) (?:region|channel|category|device|"
        r"state|topic|segment|customer type|landing category)|"
        r"which (?:\S+ ){1,2}?(?:is |s )?behind (?:it|this|that)|"
        # "climbing since V-Day, which region is it?", "which landing category took the hit?"
        r"which (?:\S+ ){1,2}?(?:is it|was it|took the hit|took a hit|got hit|is to blame|"
        r"was to blame)(?! in\b)|"
        # "which topic is carrying it": the part that carries the move.
        r"which (?:\S+ ){1,2}?(?:is|are|was|were) (?:carrying|driving|pushing) (?:it|this|that)|"
        # "which channel accounts for the gap?": what made up a difference.
        r"(?:accounts?|accounted) for (?:the|that|this|most of the) (?:gap|difference|shortfall|"
        r"drop|decline|dip|miss|increase|jump|rise|swing))\b"
    ),
    "move": _P(
        r"\b(?:drop|drops|dropped|dropping|fell|fall|falling|fallen|declined?|declining|"
        r"decreased?|decreasing|tank|tanked|tanking|plunged?|plummet(?:ed|ing)?|crash(?:ed|ing)?|"
        r"dip|dipped|dipping|slump(?:ed)?|collapsed?|jump(?:ed)?|surged?|spiked|soared?|"
        r"crater(?:s|ed|ing)?|"
        r"increased|rose|risen|shot up|went up|gone up|went down|gone down|so low|so high|"
        # "how much worse was it?" sizes a comparison; it asks no cause.
        r"(?<!how much )worse(?!(?: \S+){0,3} than)|underperform(?:ing|ed)?|off a cliff|nosedived?|sank|"
        r"sink(?:ing)?|slid|"
        # "sessions feel soft", "home is the laggard", "AOV came in under July"
        r"soft(?! launch)|sluggish|weak(?:er)?|"
        r"laggards?|came in (?:under|below|lower|short)|landed (?:under|below|short)|step ?down|"
        r"keeps? (?:climbing|rising|falling|dropping|sliding|growing))\b"
        # "sales down", "revenue is way up": a level moving, not "break it down".
        r"|(?:(?<!break )(?<!broke )(?<!broken )(?<!breaking )#|\bis|\bare|\bwas|\bwere|\bbeen|"
        r"\bso|\bway|\bgone|\bwent|\bgoing) "
        # "email up against affiliates": set side by side, not a move.
        r"(?:# |way |so |much )?(?:down|up)\b(?! against)"
    ),
    "investigate": _P(
        # "before I dig in": the person's own digging, not a request.
        r"(?<!\bi )(?<!\bwe )(?<!\bi ll )(?<!\bill )\b(?:investigate|investigation|look into|looking into|dig into|dig in|deep dive|"
        r"drill into|drill down|figure out(?! (?:if|whether)\b)|analy[sz]e|analysis|diagnose)\b"
    ),
    "compare": _P(
        r"\b(?:vs|versus|v|compare|compared|comparison(?! (?:slides?|decks?|charts?|tables?))|"
        r"against|relative to|side by side|"
        r"next to|alongside|(?:set|setting|put|putting|place|placing) (?:\S+ ){1,3}?beside|"
        r"stack(?:s|ed)? up)\b"
    ),
    "breakdown": _P(
        # "don't need a breakdown, just the number": a split declined is none.
        r"(?<!dont need a )(?<!do not need a )(?<!no need for a )(?<!without a )"
        r"\b(?:break ?down|broken down|break (?:it|that|this|them) down|split (?:\S+ )?(?:by|out)|"
        r"for each|mix|share by|leaderboard|rank(?:ed|ing)?|"
        r"(?:top|bottom|best|worst|highest|lowest|biggest|smallest|weakest|strongest) \d+|"
        r"(?:biggest|largest|highest|smallest|lowest) first|sorted by|ranked by)\b"
    ),
    "trend": _P(
        rf"\b(?:trends?|trending|trendline|over time|time series|(?:daily|weekly|monthly){_NOT_A_REPORT}|"
        r"day by day|week by week|month by month|by (?:day|week|month|date)|"
        r"(?:day|week|month) after (?:day|week|month)|"
        r"per (?:day|week|month)|each (?:day|week|month)|history|historical|"
        r"trajectory|evolution|timeline|how (?:has|have) .+ (?:changed|moved|evolved|developed))\b"
    ),
    # "a chart of sessions": a course over time, unless a split is named ("a chart of
    # add-to-cart rate by device" draws the split).
    "visual": _P(r"(?<!\bno )(?<!\bnot )\b(?:chart|charts|plot|graph|graphs|visuali[sz]e)\b"),
    # Asking which way a metric is heading is a trend, even though "going down" alone is a move.
    "direction": _P(
        r"\b(?:up or down|down or up|rising or falling|increasing or decreasing|"
        r"better or worse|improving or (?:declining|worsening|getting worse)|which direction|"
        r"(?:getting )?worse or (?:better|improving|getting better)|"
        r"(?:going )?up or (?:going )?down|(?:going )?down or (?:going )?up|"
        r"how is (?:# )?(?:developing|evolving|changing|moving|trending)|"
        r"trending (?:up|down|upwards?|downwards?)|heading (?:up|down|upwards?|downwards?)|"
        r"on the (?:rise|decline|way up|way down)|falling off|"
        # "heading the right way?", "easing off since october?": a course, not one move.
        r"(?:heading|going|moving|trending) (?:the )?(?:right|wrong) (?:way|direction)|"
        r"in the (?:right|wrong) direction|eas(?:e|es|ed|ing) off|letting up|tapering off|"
        r"cooling off|level(?:l)?ing off|level(?:l)?ed off|flatten(?:ed|ing) out|bottom(?:ed|ing) out|"
        r"plateau(?:ed|ing|s)?|still (?:climbing|rising|falling|growing|dropping|sliding)|"
        # "Returns worsening?", "finally settling down?": which way it is heading lately.
        r"worsening|settl(?:e|es|ed|ing) (?:down|back)|stabili[sz](?:e|es|ed|ing)|"
        # "is ticket volume finally coming down?": whether the course has turned.
        r"finally (?:coming|going|getting|heading) (?:down|up|back)|"
        r"getting (?:worse|better)|drift(?:ing|s)? (?:up|down|higher|lower)|"
        r"stop (?:sliding|falling|dropping|declining|climbing|rising)|"
        r"normali[sz](?:e|es|ed|ing)|recovering|bouncing back)\b"
        r"|\b(?:has|have) (?:the |our |my )?# (?:\S+ ){0,3}?been (?:getting (?:worse|better)|"
        r"improving|worsening)\b"
        r"|^(?:has|have) (?:the |our |my )?# (?:\S+ ){0,3}?been (?:\w+ly )?(?:climbing|rising|falling|"
        r"sliding|growing|shrinking|dropping|increasing|decreasing|creeping|slipping)\b"
        # "are we growing?": which way the business is heading.
        r"|^(?:are|is) (?:we|the business|the company|the shop|the store) "
        r"(?:still |even |actually |really )?(?:growing|shrinking)"
        r"(?: (?:at all|still|lately|or not|or shrinking|or growing|in (?:the )?\S+))?$"
        r"|^(?:is|are|has|have) (?:the |our |my )?# (?:\S+ ){0,4}?"
        r"(?:going|moving|trending|heading|creeping|inching|edging|drifting|ticking) (?:up|down)\b"
    ),
    "detect": _P(
        r"\b(?:unusual|anomal(?:y|ies|ous)|spikes?|outliers?|"
        # "any missing or doubled days in sessions?": a load's gaps and duplicates.
        r"(?:missing|doubled|duplicated?) (?:or (?:missing|doubled|duplicated?) )?days|"
        # "is saturday fully landed?", "is yesterday's revenue complete?", "did yesterday land
        # completely?": whether a day's load is whole, read from how it stands against its usual.
        r"(?:is|are|has|have) (?:# )+(?:fully |completely |all |actually )?(?:landed|loaded|"
        r"complete)|did (?:# )+(?:(?:fully|completely) (?:land|load)|(?:land|load) (?:completely|fully|in full))|"
        # "is it a normal level or too much?", "is that a lot for a sunday?"
        r"(?:is|s) (?:that|this|it) (?:a lot|a normal level|normal|too much|too many)|"
        r"normal level|(?:what|about what) we(?: would| d)? expect|"
        # "if this is a strange ask": the question's oddness, not the data's.
        r"(?:weird(?:ness)?|strange(?:ness)?|odd)(?! (?:ask|question|request|one to ask))|"
        r"flat ?lin(?:e|es|ed|ing)|irregularit(?:y|ies)|"
        r"# (?:\S+ ){0,3}?(?:is|are|looks?|seems?) (?:\S+ ){0,2}?broken|"
        r"(?:is|are) (?:the )?(?:\S+ )?# (?:\S+ ){0,4}?broken|"
        r"oddit(?:y|ies)|abnormal|blow(?:n|s|ing)? up|blew up|haywire|out of whack|wonky|funky|"
        r"janky|screwy|iffy|"
        r"off the charts|(?:stand|stands|stood|standing) out|"
        r"out of the ordinary|anything (?:wrong|off|broken|break|broke|i should know|"
        r"to worry about|interesting)|"
        # "anything in the numbers since the 20th I should be worried about?"
        r"anything (?:\S+ ){1,8}?(?:i|we) (?:should|need to|ought to) (?:be )?(?:worried|worry) about|"
        r"something (?:(?:looks|seems) )?(?:wrong|off|broken)|red flags?|"
        r"(?:was|were|is|are|look|looks|behave|behaved|behaving|seem|seems)(?: #)* normal(?:ly)?|(?<!no )(?<!not a )surprises?|unexpected|irregular|fishy|suspicious|"
        r"worrying|alarming|concerning|untoward|amiss|on fire|"
        r"(?:are things|is everything|is all|everything) (?:ok|okay|alright|fine)|"
        # "anything I should worry about?": asking for what stands out is the anomaly check.
        r"anything (?:\S+ ){0,7}?(?:worry|worried|concern(?:ed|ing)?|alarming)|"
        r"(?:should|do) (?:i|we) (?:be )?(?:worry|worried|concerned)|cause for concern|"
        # "2.5% yesterday, is that normal for us?": the number just quoted, against usual.
        r"(?:is|was|are|were) (?:that|this|it|those|these) (?:still |really )?normal|"
        # "delivery tickets today, normal for the week after Christmas?", "high or just
        # post-xmas normal?": against what the time of year brings.
        r"normal for (?:a|an|the|this|that)\b|normal for(?= #)|or (?:just )?(?:\S+ ){0,2}normal\b|"
        r"(?:losing|lose|lost) sleep|keeps? (?:me|us) up at night|"
        # "does yesterday's revenue look complete?": whether the data itself is whole.
        r"(?:look|looks|seem|seems|is|are) (?:\S+ )?complete|(?:are|is) (?:\S+ ){0,6}?(?:all|fully) (?:in|loaded)(?! (?:one|all|a|an|our|my)\b)|"
        r"(?:go|gone|went|going) missing|gaps? or duplicat\w*|duplicated days|missing days|"
        r"(?:is|are) (?:\S+ ){0,5}?missing|load(?:ed)? fully|fully load(?:ed)?|"
        # "does any region look off?", "outside its normal range?", "is tablet's number
        # normal?", "gaps in the data or real?", "did we drop or double any days?"
        r"(?:look|looks|looked|looking|seem|seems|seemed|seeming) off(?! by)|"
        r"(?:outside|within) (?:of )?(?:its|the|their|our|a|the usual|its usual) (?:normal |usual |expected )"
        r"(?:range|band|variation|bounds)|"
        r"(?:number|figure|numbers|figures|count|counts|level) (?:\S+ )?normal|"
        r"(?:gaps?|holes?) in the data|abnormalit(?:y|ies)|out of line|"
        # "tablet looks way off. real, or a tracking blip?", "real shift, or did the parser
        # drop something?": whether a figure is the business or the data.
        r"real,? or (?:a |an |just )?(?:\S+ )?(?:blip|glitch|artifact|artefact|bug|issue|error)|"
        r"real (?:shift|change|move|demand|dip|drop|spike|jump|fall|rise|decline|increase),? or|"
        # "is that real or just noise?", "3σ off its usual": a move against its own noise.
        r"real,? or (?:just |only )?(?:random )?noise|(?:just|only) noise\??$|"
        r"(?:\d+(?:\.\d+)? ?)?(?:σ|sigma|sigmas|standard deviations?) (?:off|from|away|above|below|outside)|"
        # "3σ off its usual" (the σ is dropped with the other symbols).
        r"\d+(?:\.\d+)? (?:sigmas? |standard deviations? )?(?:off|away from|outside) (?:its|their|the) "
        r"(?:usual|normal|norm|average|mean|baseline)|"
        r"(?:complete|all there|fully loaded),? or (?:is |are )?(?:the )?(?:load|data|feed|sync)|"
        r"(?:look|looks|looking) way off|"
        r"(?:drop|dropped|lose|lost|double|doubled|duplicated?) (?:or (?:drop|dropped|double|doubled|"
        r"duplicated?) )?any days)\b"
    ),
    "segment": _P(
        r"\b(?:segmentation|(?<!# )segment (?:our |the |my |all )?(?:customers|users|buyers|base|#|"
        r"them|these|those)|"
        r"(?<!which )(?<!what )segments|rfm|audiences?|cohorts?|clustering|personas?|"
        # "a cluster of complaints" is a bunch, not a segmentation.
        r"clusters?(?! of (?!customers|buyers|shoppers|users|people))|"
        r"lookalikes?|target list|who should we target|"
        # "which customers should the December push go to?": who a campaign is for.
        r"which (?:customers|buyers|shoppers|#) should (?:\S+ ){0,6}?(?:go to|get|receive|target)|"
        r"(?:build|make|pull|put together|create) (?:me |us )?(?:a |an |the )?(?:\w+ )?"
        # "a list of our Instagram-acquired superfans": people, whatever they are called.
        r"(?:list|audience)(?! of (?!(?:our |the |all |my )?(?:\S+ ){0,3}?(?:customers|buyers|"
        r"shoppers|people|users|fans|superfans|members|vips|#)\b))|"
        # RFM segment names: asking who is in them is asking for the segmentation.
        r"champions|hibernating|about to sleep|cant lose(?: them)?|need(?:s|ing)? attention|"
        r"potential loyalists|loyalists|most valuable|(?:big|biggest|top|heaviest) spenders|whales|"
        # "three of my VIPs have emailed", "every VIP call": people the message is about.
        r"vips?(?! (?:call|calls|desk|line|team|have|has|had|were|was|keep|emailed|called)\b)|"
        r"customer (?:groups|tiers|types)|"
        # "our highest-value customers", "split them into tiers by spend".
        r"(?:highest|most|high|top) value (?:customers|buyers|clients|shoppers|#)|"
        r"into (?:\S+ )?tiers|tiers? (?:them |#s? |customers )?by (?:spend|value|how much)|"
        r"(?:group|bucket|cluster|tier) (?:our |the |my |all )?(?:# )?(?:customers|buyers|users|#)|"
        # "could you band 2025 buyers by spend?", "build groups of the Stammkunden"
        r"(?:band|bucket|tier|group) (?:\S+ ){0,3}?(?:customers|buyers|clients|shoppers|#) by "
        r"(?:spend|value|how much|revenue|orders)|"
        r"(?:build|make|form) (?:me )?groups of (?:the |our )?(?:\S+ )?(?:customers|buyers|clients|#))(?!\w)"
        # "who are the clients that buy more in Texas?": the biggest buyers are a segment.
        r"|(?:\bbuyers|\bshoppers|(?<![^ ])#) (?:that|who) (?:buy|spend|order) (?:the )?(?:most|more)\b"
        r"|\bwhich (?:buyers|shoppers|#) (?:buy|spend|order|bought|spent|ordered)(?: \S+){0,3}? "
        r"(?:the )?most\b"
        # "who bought electronics from us this season?": the buyers themselves.
        r"|^(?:\S+ )?who (?:bought|purchased|ordered)\b"
        # "pull the customers who came in through organic", "a list ready for monday:
        # returning customers who buy toys": people picked by a condition, to be contacted.
        r"|\b(?:pull|find|get|give|send|export|grab|dig up) (?:me |us )?(?:a list of |the list of )?"
        r"(?:all )?(?:our |the |my )?(?:(?!#|from|of|for|by|in|on)\S+ ){0,3}?"
        r"(?:customers|buyers|clients|shoppers|everyone|everybody|anyone|people|#) "
        r"(?:who|that|whose)\b"
        r"|\blist\b(?: \S+){0,5}? (?:customers|buyers|clients|shoppers|#) (?:who|that|whose)\b"
    ),
    "churn": _P(
        r"\b(?:churn\w*|at risk|likely to (?:leave|cancel|churn|lapse)|leaving(?! out\b)|"
        # "the Q3 retention slide": a deliverable's name, not a churn question.
        r"retention(?! (?:slides?|decks?|reports?|meetings?|reviews?|dashboards?|docs?|pages?))|"
        r"retain|lapsed|lapsing|win ?back|attrition|stop(?:s|ped|ping)? (?:buying|ordering|shopping)|"
        # "real flight risk?", "did not order anymore since the summer"
        r"flight risks?|(?:wont|won t|will not) be back|in risk (?:of|to) (?:not |leav|churn|los)\w*|"
        r"(?:didnt|did not|dont|do not|doesnt|does not) (?:order|buy|shop|purchase)"
        r"(?: \S+){0,2}? (?:anymore|any more|again)|"
        r"stopped to (?:buy|order|shop)|"
        r"(?:havent|haven t|have not|hasnt|hasn t|has not) (?:come back|returned|ordered|bought)|"
        r"(?:going|gone|went) dark|going to leave|"
        # "which clients that bought every month now vanished?": customers who went away.
        r"(?:customers|clients|buyers|shoppers|#)(?: \S+){0,10}? (?:now )?(?:vanished|disappeared|"
        r"went quiet|gone quiet|went missing|gone missing)|"
        r"(?:never|didnt|did not) (?:came|come|coming) back|never (?:re ?ordered|returned|"
        r"(?:bought|ordered|shopped) again)|"
        r"(?:might|may|could|will|would|wont|won t)(?: not| never)? (?:come|coming) back|"
        r"(?:might|may|could) (?:not|never) return|"
        r"(?:will|would|wont|won t) (?:not |never )?(?:buy|order|shop|purchase|come back)"
        r"(?: \w+){0,2}? (?:again|anymore|any more)|never (?:buy|order|shop) (?:from us )?again|"
        r"about to leave|(?:slipping|drifting|fading|falling) away|going quiet|gone quiet|gone cold|"
        # "big custs about to walk", "in danger to jump off".
        r"(?:about to|going to|gonna|likely to|might|could) (?:walk|bail)|walk(?:ing)? away|"
        r"bail(?:ing|ed)? on us|"
        r"in danger (?:of|to) (?:jump|leav|los|churn)\w*|jump(?:ing)? off|"
        # "in danger not to buy again", "I am afraid we are losing them"
        r"in danger (?:of |to )?not (?:to )?(?:buy|order|shop|come back|return)\w*|"
        r"(?:we are|we re|are we) losing (?:them|those|these)|"
        r"stick(?:ing)? around|stay(?:ing)? with us|(?:gone |going |went )?dormant|"
        r"(?:about to|going to|gonna|likely to|might|could) lose|"
        r"(?:bleeding|losing|shedding) (?:\S+ )?(?:customers|buyers|shoppers|regulars|#)|"
        # "which clients of New Mexico we are losing?", "about to wander off"
        r"(?:which|what|who) (?:\S+ ){1,5}?(?:we are|we re|are we|were) (?:losing|about to lose)|"
        r"wander(?:s|ing|ed)? off|"
        # "the black friday newbies. coming back or not": whether a group returns.
        r"(?:coming|come|will they come) back or not|"
        # "which old customers have the risk of loss": a calque of the churn question.
        r"(?:have|has|with|at|in) (?:the |a )?(?:high |big )?risk of (?:loss|losing|leaving)|"
        # "who looks unlikely to come back?": buyers who will not buy again.
        r"(?:unlikely|least likely|not likely) to (?:ever )?"
        r"(?:come back|return|order again|buy again|shop again|reorder|order|buy))(?!\w)"
    ),
    "forecast_words": _P(
        r"\b(?:forecasts?|forecasting|forecasted|predictions?|predicted|predictive|projections?|"
        r"inventory|demand plan(?:ning)?|stock levels?|(?:over|under) ?(?:forecast\w*|stock\w*)|"
        r"(?:the|our|demand|inventory|forecasting|ml) models?|demand (?:model|estimate)s?|"
        r"stock ?outs?|out of stock|models? (?:is |s |looks )?(?:biased|bias|accuracy|error))\b"
    ),
    "forecast_doubt": _P(
        r"\b(?:off|wrong|accurate|accuracy|inaccurate|bad|broken|check|reliable|trust|"
        r"correct|incorrect|right or (?:wrong|not)|"
        r"good|quality|bias|biased|performing|missing|miss|drift(?:ing|ed)?|error|errors|"
        r"(?:over|under) ?(?:forecast\w*|predict\w*|estimat\w*|stock\w*)|overstock\w*|"
        r"understock\w*|stock ?outs?|out of stock|too (?:high|low)|way off|far off|holding up|"
        r"anywhere (?:close|near)|(?:how )?close (?:to|was)|on target|"
        r"doing on|tracking)\b"
    ),
    "digest_strong": _P(
        r"\b(?:digest|morning report|daily report|daily summary|weekly summary|kpi report|"
        r"morning summary|rundown of|(?:quick |short |morning )rundown|"
        r"kpi summary|kpi update|morning update|what did i miss|catch me up|tl ?dr|roll ?up|"
        r"wrap ?up)\b"
    ),
    "digest": _P(
        r"\b(?:summary|summari[sz]e|recap|gist|round ?up(?= of\b| for (?:the |this |last )?#| #)|overview|highlights|headlines?|top ?line|big picture|"
        r"in a nutshell|nutshell|^numbers (?:for|on|in)|"
        # "a quick wrap of the long weekend": a recap, as Australians say it.
        r"(?:quick|short|brief|a) wrap(?= of\b| #)|"
        # "make me a point of the situation", "the balance of the week passed": a recap as
        # French or Portuguese put it.
        r"point of the situation|balance(?= (?:of (?:the )?)?#)|"
        # "a resume of last week", "a panorama of January": Portuguese and Spanish for a recap.
        r"(?:a|the) (?:resume|panorama)(?= of\b| #)|"
        # "wknd in 3 lines": a short recap.
        r"(?:in|to|into) (?:\d|one|two|three|four|five|a few) (?:lines|sentences|bullets|bullet points|paragraphs?)|"
        # "five bullets, numbers only", "FEB ON ONE PAGE", "boil the weekend down": a recap.
        r"(?:\d|three|four|five|six) (?:bullets|bullet points)|(?:on|in) (?:one|a single) page|"
        r"one ?pager|boil down\b|# wrap\b|"
        # "How is the situation of the apparel of last week?": a recap, as Japanese puts it;
        # "How it went the long weekend?", as Spanish and Portuguese put it.
        r"(?:how is|hows|how s) the situation\b|\bhow it (?:went|goes)\b|"
        # "a little synthesis of the weekend": French for a recap.
        r"(?:a|the|my|little|short|quick) synthesis(?= of\b| #)|"
        # "the usual please", "what you send every Monday": the regular digest.
        r"^(?:(?:just|ok|so) )?the usual\b|what (?:you|scout) (?:send|sends|post|posts) every|"
        # "what's working and what isn't this month?": the period's scorecard.
        r"(?:whats|what is) working and what (?:isnt|is not|isn t|s not)|"
        r"how are we doing|"
        r"(?:how is|hows) (?:the )?business|how are things|how are we tracking|"
        r"state of the business|kpis|status update|the numbers|our numbers|how did we do|"
        r"(?:# |yesterdays |todays |weekly |daily |latest |key |huddle |standup |morning )numbers|scorecard|"
        r"what (?:should|do) (?:i|we) (?:know|need to know)|what do i need to know|"
        r"how (?:are|were) we (?:looking|performing|tracking|trending)|"
        r"how (?:is|was|are|were) (?:the |our )?(?:business|things|everything) (?:doing|going|looking)|"
        r"how did (?:# |the |it |things |we |everything )(?:\w+ ){0,3}?go|health check|pulse|"
        r"snapshot|rundown|standup|stand up|how (?:are|were) we (?:doing|going)|"
        # "the Southwest picture for last week", "how has the organic channel done?"
        r"(?:the|a) (?:# )+picture|"
        r"(?:whats|what is) the (?:big |main )?story|"
        r"how (?:did|are|were) we (?:get|getting) on|"
        r"how (?:has|have) (?:the |our )?(?:# )+(?:\S+ )?(?:done|performed|fared|gone)|"
        r"how(?:d| did) (?:we|things|everything|it) (?:do|go)|"
        # "how did we close October?": how a period ended, the business as a whole.
        r"how(?:d| did) (?:we|things|everything) (?:close|finish|end)(?: out| up)?|"
        rf"{_HOW_IS} (?:the |our )?(?:\S+ ){{1,3}}?{_DOING})\b"
        # "last week numbers?": a period's numbers ("#" is not a word, so no \b before it).
        r"|(?<!\S)# numbers\b"
        # "how did Black Friday go?", "how was the West last week?": a period or a segment alone.
        r"|\bhow (?:did|was|were) (?:the |last |this )?#(?: #)*(?: (?:go|do|look|perform|turn out))?(?!\S)"
        # "remind me how Thanksgiving week went last year": the period's phrase took the verb.
        r"|\bhow #(?: #)*(?: ~)*$"
        # "hows yesterday look?", "how did the website do on St Patrick's Day?", "quick read
        # on yesterday": the period or the whole shop, judged as a whole.
        r"|\bhow(?:s| s| does| did| do)? #(?: #)* look\b"
        r"|\bhow (?:did|is|was|has|does) (?:the |our )?(?:website|site|store|shop|webshop|online "
        r"store) (?:do|doing|done|go|going|gone|perform|performing|look|looking)\b"
        r"|\b(?:quick|short|fast) read (?:on|of|for)\b"
        # "how bad was last week, honestly": a period judged as a whole.
        r"|\bhow (?:bad|good|rough) (?:was|were|is) (?:the |last |this )?(?:#|yesterday|today)(?!\S)"
        # "30-second version of how the weekend went": the same, asked indirectly.
        r"|\bhow (?:the |things |everything )?#?(?: #)* ?(?:went|looked|turned out|shaped up|"
        r"(?:has|have) (?:gone|been going)|is going)\b"
    ),
    # "how is revenue this week?": how a metric stands now, against the period before (a
    # lookup), unless a word asks for its course over time.
    "status": _P(
        r"^(?:so |and |ok |hey )?how(?: is|s| s| are| was| were|re)\b"
        # "how many units came back in October?": a count asked for.
        r"|^(?:so |and |ok |hey )?how (?:many|much)\b"
        # "what was our return rate last week?": a figure asked for by name.
        r"|^(?:so |and |ok |hey )?what(?:s| is| was| were| are) (?:our |the |my )?#"
        # "what did the home return rate come in at for October?": where a figure ended up.
        r"|\b(?:come|came|coming|finish|finished|end|ended|close|closed|land|landed) "
        r"(?:in |up |out )?(?:at|on)\b(?! (?:least|all|the (?:end|start|beginning)))"
    ),
    "help": _P(
        r"\b(?:help|what can (?:you|scout|it|this bot|this|the bot) do|"
        r"what can (?:you|scout|it) (?:actually |really )?tell (?:me|us)(?! (?:about|how|why|what|if|whether))|"
        r"what (?:you|scout) can do|what do you do|how do (?:i|you) (?:use|work)|commands|"
        r"usage|who are you|what are you|getting started|what (?:\w+ ){0,3}?can (?:i|we) ask|how does (?:this|it|scout) work|"
        r"capabilities|what can i ask|examples?|how to use|semantic layer|about you\b|"
        r"(?:do|can) you (?:understand|handle|support|read) |"
        r"(?:which|what) (?:metrics|kpis|dims|dimensions)(?: and (?:metrics|kpis|dims|dimensions))? "
        r"(?:do|does|can|are)|"
        # "what kind of questions can scout answer?": asking what it answers is asking for help.
        r"what (?:kinds?|sorts?|types?) of (?:questions|things|stuff|requests)|"
        r"list (?:\w+ ){0,3}?of (?:the )?(?:metrics|kpis|dimensions|dims)|"
        r"(?:metrics|kpis|dimensions) (?:you|scout) (?:know|have|support|track|cover)|"
        r"(?:questions|things|requests) (?:can|do|does|will|could) (?:you|scout|it|the bot) "
        r"(?:answer|handle|take)|(?:can|do|does) (?:you|scout|it) (?:answer|handle) questions)\b"
    ),
    # Requests to do something rather than to know something: Scout only proposes actions,
    # through its guardrails, so a chat message can never trigger one.
    "action": _P(
        # "I just approved her third refund": what the person did, not a request.
        r"(?<!\bi )(?<!\bjust )(?<!\bwe )(?<!\balready )(?<!\bill )(?<!\bwell )(?<!\bi will )"
        r"(?<!\bwe will )(?<!\bill just )"
        r"\b(?:approve|approved|authori[sz]e|execute|transfer|payout|wire|grant|"
        r"issue (?:a |the )?(?:refund|discount|credit|coupon)s?|"
        r"(?:give|offer|apply) .{0,30}(?:discount|refund|credit|coupon|voucher|money)|"
        r"send \$|delete|wipe|disable|shut (?:it )?down|turn off|"
        # Changing data or models, or joining a meeting: "freeze November", "retrain the
        # forecast", "dial into Thursday's QBR".
        r"(?:(?<=now )|(?<=please )|(?<=pls )|(?<=you ))freeze|"
        r"retrain|re ?run (?:the |it|that|this|january|#)|dial (?:in|into)|"
        r"(?:bump|raise|lower|change|set) (?:their|the|our) (?:commission|payout)s?|"
        r"walk (?:\S+ ){1,2}through (?:it|that|this|the)|"
        # "paste that into the Q1 planning sheet": writing into another tool.
        r"(?:paste|copy|put|drop) (?:that|this|it|them|these|those) (?:into|in|onto) (?:the |my |our |a )?"
        r"(?:\S+ ){0,3}?(?:sheet|spreadsheet|doc|deck|slides?|notion|confluence|workbook))\b"
    ),
    # Two customer groups set side by side ("which are loyal and which are slipping away?")
    # ask for the segmentation, even when one of them is a churn word.
    "two_groups": _P(r"\b(?:who|which)\b.*\b(?:and|or|vs|versus|while) (?:who|which)\b"),
    "greeting": _P(
        r"^(?:hi|hello|hey|yo|thanks|thank you|thx|ty|cheers|ta|good morning|morning|"
        r"much appreciated|appreciate it|nice one)(?: \w+)?$"
        # "thanks Scout, super helpful", "perfect, ty": thanks and a few kind words.
        # "Thank you. She'd like the same split for Memorial Day": thanks, then a request.
        r"|^(?!.*\b(?:same|split|break|compare|show|give|pull)\b)"
        r"(?:\w+ ){0,2}(?:thanks|thank you|thx|ty|cheers)\b(?! (?:but|now|can|could|and|what|why|how))"
        # "Perfect. That's the story.": praise alone.
        r"|^(?:perfect|great|awesome|brilliant|amazing|lovely|excellent|superb|fantastic|spot on)"
        r"(?: (?:thats|that s|this is|just|exactly|the|what|i|needed|story|it|one|job|scout|thank|"
        r"you))*$"
    ),
    # "ok this is gold, forwarding to the leads, thx", "ty!! got what I needed for standup,
    # you're a lifesaver": thanks or praise anywhere in a message that asks for nothing.
    "thanks_only": _P(
        r"^(?!.*\b(?:can|could|would|(?<!got )(?<!exactly )(?<!just )what|whats|why|how|which|"
        r"when|where|show|give|pull|send|break|split|compare|pls|please|what about|usual|same|"
        r"and(?! (?:have|enjoy|happy|good)))\b)"
        r"(?=.*\b(?:thx|ty|thanks(?! to)|thank you|appreciate (?:it|you|that|this)|much appreciated|"
        r"legend|lifesaver|life saver|you rock|nailed it|is gold|saved my|exactly (?:the|what) "
        r"(?:\w+ ){0,3}i (?:needed|wanted))\b)"
    ),
    # "can you make charts too?": a question about Scout, not a request for a chart.
    "capability": _P(
        r"\b(?:can|could|do|does) (?:you|scout|it|the bot) (?:also |even )?(?:make|draw|do|create|"
        r"produce|plot|send|export|show|build) (?:\w+ )?(?:charts?|graphs?|plots?|visuals?|"
        r"pictures?|tables?|pdfs?|csvs?|spreadsheets?|dashboards?)(?: too| as well| also)?"
        r"(?: or\b|$)"
        # "do you accept raw SQL?": what Scout takes as input.
        r"|\b(?:do|can|will) you (?:accept|take|understand|read|run) (?:raw |plain )?"
        r"(?:sql|queries|english|plain english|questions)\b"
        # "which tables do you hit?", "where do you get your numbers?": what Scout reads.
        r"|\bwhich (?:tables|data|database|sources?) do (?:you|u) "
        r"(?:\w+ )?(?:use|hit|query|read|pull from|look at)\b"
        r"|\bwhere do (?:you|u) (?:get|pull|take) (?:your|the) (?:data|numbers|figures)\b"
        r"|\bwhere do (?:your|the) (?:data|numbers|figures) (?:\w+ )?come from\b"
        r"|\b(?:is|does) (?:scout|it|the bot) (?:\w+ )?(?:look(?:ing)? at|pull(?:ing)?|read(?:ing)?|"
        r"us(?:e|ing)) (?:\w+ )?(?:the |our )?(?:same )?(?:data|numbers|tables)\b"
        r"|\bhow (?:do|should|can) (?:i|we) (?:ask|talk to|use|query) (?:you|scout)\b"
        r"|\bhow (?:fresh|up to date|recent|current|old) is (?:your|the) data\b"
        r"|\bwhat (?:else )?can (?:you|scout) (?:actually |really )?(?:do|answer)\b"
        # "when do your numbers refresh?": how fresh Scout's data is.
        r"|\b(?:when|how often) (?:do|does|is|are) (?:your|the) (?:numbers|data|figures)"
        r" (?:\S+ )?(?:refresh(?:ed)?|update(?:d)?|load(?:ed)?|reload(?:ed)?)\b"
        r"|\b(?:which|what) (?:questions|things|kinds? of questions) (?:can )?i (?:can )?ask\b"
        r"|\bquestions (?:which |that )?(?:i|we) (?:can|could|may) (?:make|ask|put|pose)\b"
        # "your data of yesterday, it is already complete?": whether a day has fully loaded.
        r"|\b(?:your|the|yesterdays|yesterday s) data (?:\S+ ){0,4}?(?:already )?(?:complete|final|"
        r"fully loaded)\b"
        # "is New Year's Day in your data yet, or does it stop at the 31st?"
        r"|\bin (?:your|the) data yet\b|\bdoes (?:it|your data|the data) (?:stop|end) (?:at|on)\b"
        # "until which day go your numbers?"
        r"|\b(?:until|up to|till) (?:which|what) (?:day|date)\b"
        r"|\bhow far (?:do|does) (?:your|the) (?:numbers|data) go\b"
        r"|\bcan i (?:paste|send|give|ask) (?:\S+ ){0,3}?(?:to )?(?:you|scout)\b"
        r"|\bhow to use (?:you|scout)\b|\bdo you only (?:answer|do|handle)\b"
        r"|\bcan (?:you|scout) (?:\S+ ){1,4}?or do (?:i|we) (?:need|have) to\b"
        r"|\b(?:will|can|do) you (?:work out|figure out|recogni[sz]e|know) which metric\b"
        r"|\b(?:whether|if) (?:you|scout) can (?:handle|answer|do|combine)\b"
        r"|\b(?:can|do) (?:you|scout) (?:do|handle|support|use|understand) (?:fiscal|calendar|custom)\b"
        r"|\b(?:can|could) (?:you|scout) (?:look up|find|check|score|pull) (?:a |one )?"
        r"(?:single |individual |specific )?customer\b"
    ),
    "followup": _P(
        # "Thank you! And for the new clients?": thanks first, then the follow-up.
        r"^(?:(?:thanks|thank you|thx|ty|cheers|perfect|great|nice|cool|merci|gracias|danke)"
        r"(?: (?:so much|a lot|scout))? )?"
        r"(?:what about|how about|and|same (?:for|but|thing|again)|now|ok|okay|also|what if|"
        r"and what about|then|instead|just)\b|\b(?:that|it|this|those|them|instead|same)\b"
    ),
    # "can you break tickets out by weekday, or only by date?": what Scout can do, whatever
    # metric it names.
    "can_or_only": _P(
        r"\b(?:can|do) (?:you|scout) (?:do|support|handle|offer|break|split|group|show|cut|go back|report|"
        r"see|have|track|store|keep|record|tell|know|push|send|export|give(?: me| us)?|get) "
        r".{0,60}? or (?:only|just)\b"
        # "do you know which affiliate an order came from, or only the channel?", "does your
        # data know which orders were gifts, or do I have to infer it?"
        r"|\b(?:do|does) (?:you|scout|your data|the data) (?:know|see|have|track) (?:which|what|whether|if) "
        r".{0,60}?\bor (?:only|just|do (?:i|we)|does (?:it|that)|should (?:i|we))\b"
        # "do you know our fiscal calendar, or is 'fiscal February' just February to you?"
        r"|\bor is (?:\S+ ){1,4}just (?:\S+ ){1,3}to (?:you|scout)\b"
        # "… by product line, or is category as deep as you go?"
        r"|\bor is (?:\S+ ){1,2}as (?:deep|far|fine|detailed|granular) as (?:you|it|scout) go(?:es)?\b"
        # "can you send emails yourself, or do you only answer questions here?"
        r"|\b(?:can|could|do) (?:you|scout) .{0,60}?\bor (?:do|does|can) (?:you|scout|it) "
        r"(?:only|just)\b"
    ),
    # "how do you define a returning customer?", "is revenue net of discounts?": what a
    # metric means, a question about Scout's definitions whatever metric it names.
    "definition": _P(
        r"\b(?:what does|what do) (?:\S+ ){1,3}?mean\b"
        r"|\bhow (?:do|does) (?:you|scout) (?:define|calculate|compute|count|work out|measure)\b"
        r"|\bhow (?:is|are) (?:\S+ ){1,5}?(?:computed|calculated|defined|measured|counted)\b"
        r"|\b(?:is|are) (?:your |the |our )?(?:\S+ ){1,2}?(?:net of|gross of|before or after)\b"
        r"|\bdoes (?:your |the )?(?:\S+ ){1,2}?(?:metric |number |figure )?(?:include|exclude)\b"
        # "whether your GMV includes sales tax", "are test orders filtered out of your order
        # counts?": what Scout's figures hold.
        r"|\b(?:whether|if) your (?:\S+ ){1,2}?(?:metric |number |figure )?(?:includes|excludes)\b"
        r"|\b(?:filtered|taken|left|kept|excluded|stripped) out of your\b"
        # "in your data 'new customer' means first order ever, or …?", "the GMV in your data
        # is after discount or before?", "do you book revenue on the order date or the ship
        # date?", "is units_returned counted on the day the parcel lands or …?"
        r"|\bin your (?:data|numbers|warehouse|reports?),? (?:\S+ ){1,4}?(?:means?|is|are|counts?)\b"
        r"|\b(?:after|before) (?:\S+ )?or (?:after|before)\b"
        r"|\bdo (?:you|u|scout) (?:book|count|record|date|recogni[sz]e) (?:\S+ ){1,3}?(?:on|by) the\b"
        r"|\b(?:is|are) (?:\S+ ){1,3}?(?:counted|booked|recorded|dated) (?:on|by|at) the (?:\S+ ){1,6}?or\b"
        # "is your revenue figure gross or net of refunds?", "how do you decide someone is
        # lapsed?": how Scout counts, not a count.
        r"|\b(?:is|are) (?:your |the |our )?(?:\S+ ){1,2}?(?:gross or net|net or gross)\b"
        # "definitions q: is conversion orders/sessions or …?", "does it count twice?"
        r"|^(?:quick )?definitions? (?:q|question|check)\b|\bdoes (?:it|that|this) count (?:twice|double|once)\b"
        # "does `units_sold` count a bundle as 1 unit or 3?", "do you cut days on UTC?"
        r"|\bdoes (?:\S+ ){1,3}?count (?:\S+ ){1,6}?as (?:\S+ )?(?:or|one|1)\b"
        r"|(?:\bcount|\bcounted|\bcounts|#) (?:\S+ ){0,6}?as (?:one|1|a single) (?:\S+ )?or "
        r"(?:two|2|three|3|more)\b"
        r"|\b(?:do|does) (?:you|scout|u) cut (?:the )?days?\b"
        # "does your week run Monday to Sunday?": how Scout's calendar is cut.
        r"|\b(?:does|do) (?:your|scouts?|the) (?:week|weeks|day|days|month|quarter)s? "
        r"(?:run|start|begin|end|close)\b"
        r"|\bhow (?:do|does) (?:you|scout) (?:decide|handle|treat|deal with)\b"
        # "are you reading fct_orders_v2 or still the old one?": which source Scout reads,
        # whatever the source is named after.
        r"|\bare (?:you|u|scout) (?:reading|using|querying|hitting|pulling from) (?:\S+ ){1,4}?or\b"
        # "do your November numbers change when late returns land, or are they frozen?"
        r"|\bdo (?:your|the) (?:\S+ )?(?:numbers|figures|totals) (?:change|move|get restated|restate)\b"
        # "q about how u count", "your CA, it includes the taxes or not?", "your weeks, do they
        # begin on Monday?", "when is a client 'returning'?", "does units_returned land on the
        # day the parcel arrives?": how Scout counts.
        r"|\bhow (?:do |does )?(?:you|u|scout) count\b"
        r"|\bdo (?:your|the) (?:\S+ ){0,2}?(?:numbers|figures|counts|days|weeks) (?:go by|run on|run by)\b"
        r"|\b(?:your|the) cut ?off for\b|\b(?:are|is) your (?:days?|weeks?) cut\b"
        r"|\bwhat makes (?:you|scout) (?:flag|call|mark|label|count)\b"
        r"|\bis (?:the |that )?(?:\S+ ){0,2}?(?:number|figure|total) (?:you|scout) gave (?:me|us) final\b"
        r"|\bincludes? (?:\S+ ){0,6}?(?:tax|taxes|vat|sales tax|shipping(?: fees?)?|discounts|refunds),? "
        r"or not\b"
        # "when you say *home*, are mini fridges in there?", "you use z-score or something
        # else?", "is your return rate units back over units sold, or tied to the orders?":
        # the words and methods behind Scout's figures.
        r"|\bwhen (?:you|u|scout) (?:say|says|write|writes|use|uses|call|calls)\b"
        # "does that show up as a second order in your numbers or stay as one?"
        r"|\b(?:show|shows) up as (?:\S+ ){0,4}?in your (?:numbers|data|figures|reports?)\b"
        # "which date does it count under in your numbers?", "it is with sales tax or without?"
        r"|\b(?:which|what) (?:date|day) does (?:it|that|this|a \S+|the \S+) (?:count|land|fall|go|show)"
        r" (?:under|on|in|up)\b"
        r"|\b(?:with|including|incl) (?:the )?(?:# tax|sales tax|taxes|tax|vat|shipping|discounts) or without\b"
        # "does 'customers' mean people or accounts for you?", "does December's revenue change
        # in your numbers?"
        r"|\bdoes (?:#|\S+) mean (?:\S+ ){0,4}?(?:or|for you)\b"
        r"|\b(?:does|do) (?:\S+ ){1,3}?change in your (?:numbers|data|figures|reports?)\b"
        # "In which time zone you cut the days?"
        r"|\b(?:which|what) time ?zones? (?:do |does |are |is )?(?:you|u|scout|your)\b"
        r"|\b(?:you|u|scout) (?:use|uses|using) (?:a |the )?(?:\S+ ){1,3}?or (?:something|anything) else\b"
        r"|(?:for|to) (?:you|scout) or (?:something|somewhere) else\b"
        r"|^(?:is|are|does|do) your (?!(?:\S+ ){0,8}?(?:up|down|higher|lower|better|worse) or\b)"
        r"(?:\S+ ){1,12}?or\b"
        r"|\b(?:which|what) (?:\S+ ){1,2}?(?:does|do) (?:your|you|scout) (?:\S+ ){0,3}?(?:put|book|assign|file)"
        r" (?:it|them|that|this)\b"
        r"|\bis (?:she|he|it|that customer|the customer) (?:#|new|returning) or (?:#|new|returning)(?!\S)"
        r"|\b(?:do|does) (?:your |the )?(?:weeks?|months?|days?|they) (?:begin|start) on (?:a )?"
        r"(?:monday|sunday|saturday)\b"
        r"|\bwhen (?:is )?(?:a )?(?:client|customer|buyer|shopper) (?:is |counts as |becomes |"
        r"considered )(?:a )?(?:new|returning|repeat|loyal|lapsed|churned)\b"
        r"|\bdoes (?:\S+ ){1,3}?(?:land|get booked|get counted|show up) on the (?:day|date)\b"
        r"|\bfrozen at (?:the )?(?:month|quarter|year) ?end\b"
        # "do you count a return on the day the parcel arrives or …?"
        r"|\bdo (?:you|u|your (?:\S+ )?(?:numbers|figures|data)) count (?:\S+ ){0,4}?(?:on|by|at) "
        r"the (?:day|date)\b"
        # "does your 'yesterday' end at midnight UK time?", "which channel gets the order?"
        r"|\bdoes (?:your|the) (?:\S+ )?(?:yesterday|today|day|week|data|numbers|#) "
        r"(?:end|start|close|roll over|cut)\b"
        r"|\b(?:which|what) (?:#|channel|region|day) (?:gets|is given|is credited with) (?:the|an|that) "
        r"(?:order|sale|return|credit|#)"
        # "is your return rate just returns over units, or do you join each return back?"
        r"|\bor do (?:you|u|scout) (?:join|match|dedupe|deduplicate|attribute)\b"
        r"|\b(?:is|are) (?:your |the |our )?(?:\S+ ){1,3}?per \S+ or per\b"
        r"|\bwhat goes into (?:the |your |a )"
        # "when you say return rate, is it units over units?": what Scout means by a word.
        r"|\bwhen (?:you|scout) (?:say|says|report|reports|show|shows) (?:\S+ ){1,3}?(?:is it|do you mean)\b"
        # "when you flag an anomaly, what's your baseline?", "when you explain a drop, do you
        # go through the funnel?": how Scout works, asked through what it does.
        r"|\bwhen (?:you|scout) (?:say|says|flag|flags|explain|explains|give me|count|call|label) "
        r"(?:\S+ ){1,8}?(?:is (?:that|it)|do you|does (?:that|it)|whats|what is|which)\b"
        # "do you count cancelled orders?", "you don't count them, do you?", "does your bot
        # see email addresses?": what Scout's figures take in.
        r"|\b(?:do|does) (?:you|u|scout|your (?:\S+ ){0,2}?(?:numbers|counts|figures|data|bot|#)) "
        r"(?:count|include|exclude|cache)\b|\bdoes your (?:\S+ ){0,2}?bot see\b"
        r"|\byou (?:dont|do not) (?:count|include) (?:\S+ ){1,6}?do you\b"
        # "is revenue in your numbers booked on the order date?", "whose order is that in your
        # numbers?", "what is meaning of X in your number?": where a figure comes from.
        r"|\b(?:is|are|whose|meaning of) (?:\S+ ){1,5}?in your (?:\S+ )?(?:numbers?|data|figures|totals)\b"
        # "ur data fresh?", "how far back does your data go?", "what data do you read?"
        r"|\b(?:your|ur) data (?:fresh|up to date|current)\b"
        r"|\bhow far back (?:does|do) (?:your|ur|the|scouts) data go\b"
        r"|\bwhat data do (?:you|u|scout) (?:actually )?(?:read|use|see)\b"
        # "which month does a late return count against?", "is a session here the same thing
        # as a GA4 session?", "units over units, or refunds over revenue?": how a figure is
        # counted, asked through what it is made of.
        r"|\b(?:which|what) (?:month|day|week|period|quarter) (?:does|do|would|will) (?:\S+ ){1,3}?"
        r"(?:count|land|go|fall|get booked) (?:against|in|into|under|on)\b"
        r"|\b(?:here|in your (?:\S+ )?(?:numbers|data)) the same (?:thing |definition |metric )?as\b"
        r"|\bthe same (?:thing|definition) as (?:a |an |the |our |my )?\S+"
        r"|\bover \S+ or (?:\S+ ){1,3}?over\b"
        # "what time zone do you cut days in?", "Mountain time or Central?": where a day ends.
        r"|\b(?:what|which) (?:time ?zones?|tz) (?:do|does|are|is) (?:you|u|scout|your|the data|the numbers)\b"
        r"|\b(?:on|in) (?:mountain|central|eastern|pacific|utc|gmt) time or\b"
        r"|\bcut (?:the |a |your )?days? (?:at|in)\b"
        r"|\bhow (?:do|does) (?:you|scout) (?:operationali[sz]e|determine|classify|label)\b"
        r"|\bdifference between (?:\S+ ){1,4}?and (?:\S+ ){1,4}?in (?:your|the) (?:numbers|data|metrics)\b"
        # "as of the order or as of today?", "net out returns or is it gross?", "does the
        # Southwest include Texas in your numbers?", "taken out of your turnover, or must I
        # subtract them myself?": what a figure takes in.
        r"|\bas of (?:the )?\S+ or (?:as of )?(?:today|now|#|the \S+)(?!\w)"
        r"|\bnets? out\b|\bor (?:is it |is that |are they )?(?:gross|net)\b(?! \d)"
        r"|\bin (?:your|the) (?:numbers|data|figures),? (?:does )?(?:the )?\S+ (?:includes?|contains?|covers?)\b"
        r"|\b(?:taken|left|kept) (?:out )?(?:of|in) your\b"
        # "does a size swap count as a return in your return rate?"
        r"|\bcounts? (?:as|towards?|against) (?:a |an |the )?(?:\S+ ){0,2}?(?:in|for|of) your\b"
        r"|\bor (?:must|do|should|shall) (?:i|we) (?:subtract|remove|exclude|add|take out|deduct)\b"
    ),
    # "Segment the customers we acquired through affiliates …": the request opens with it.
    "segment_lead": _P(
        r"^(?:please |pls |can you |could you )?(?:segment|cluster|tier|bucket) (?:the |our |my |all )?"
    ),
    # "my notebook has Q3 up 6.1% on Q2: can you confirm?": a figure to check, not a move.
    "verify": _P(
        r"\b(?:confirm|verify|double ?check|sanity check|is that right|is that correct|"
        r"is that real|match(?:es)? (?:yours|mine|ours)|what do you get|whats yours)\b"
    ),
    # "need sports units up 10% WoW, did we make it?": a move wanted is a target, not a move.
    "wanted": _P(
        r"\b(?:need|needs|needed|want|wants|wanted|targeting|aiming for|hoping for|expecting) "
        r"(?:# |the |our |to see )*(?:up|down|growth|to grow)\b"
    ),
    "lately": _P(r"\b(?:lately|of late|these days)\b"),
    "overall": _P(r"\b(?:overall|everywhere|all regions|in total|across the board|total)\b"),
}

# Read on the text before masking: a request to act or an off-topic subject shows in words
# that may also be values ("email all customers", "python"), so masking would hide it.
PLAIN_CUES: dict[str, re.Pattern[str]] = {
    # "which first-timers look one-and-done?": the new customers who will not buy again, asked
    # in the words semantic.yml gives the new-customer value (so read before masking).
    "one_and_done": _P(
        r"\b(?:look|looks|looking|seem|seems|are|be|turn out|end up|went|go|gone|going)(?: like)? "
        r"(?:\S+ )?one (?:and|n) dones?\b"
    ),
    # Requests refused by kind (agent/understand/refusals.py).
    **{r.kind: r.pattern for r in (*REFUSALS, *UNCOMPUTED)},
    # Imperatives Scout cannot carry out from chat: it proposes actions, people approve them.
    "action": _P(
        r"^(?:(?:please|pls|plz|hey|ok|okay|so|now|and|then|also|just|thx|thanks|ty|cheers|great|"
        r"perfect|cool|nice|scout|um|uh|erm|omg|wow|oh|ah|yay|awesome|amazing|lovely|brilliant) )*"
        r"(?:(?:can|could|would|will) (?:you|u) (?:please |pls )?|"
        r"go ahead and |i need you to |i want you to |you should |lets |let s )?"
        # "could you send a short digest of yesterday for Dana?": a recap asked for, here.
        r"(?:send (?!me\b|us\b|over\b|it to me\b|(?:her |him |them )?(?:a |the |our )?"
        r"(?:short |quick |brief |daily |morning |weekly )?(?:digest|summary|recap|rundown)\b)|e ?mail (?:all|every|each|the|our|those|these|them|that|this|it|"
        r"everyone|him|her|c\d+|customer)|text (?:all|every|the|our|them|customers)|sms |call |"
        # "phone C552190", not "phone vs desktop conversion" (the phone is a device).
        r"phone (?=(?:c\d|him|her|them|the|a|an|our|every|all|each|customers?|those|these)\b)|"
        r"book (?:a |an |me |the )|schedule (?:a |an |me |the |\d+ )|buy |"
        # "purchase revenue" is GA4's name for revenue, not an order to buy.
        r"purchase (?!(?:revenue|rates?|frequency|value|conversion|counts?|history)\b)|restock|"
        r"reorder|order (?:more|new|extra) |cancel (?:the |this |that |order|my |all |every)|"
        r"refund (?:the |this |that |customer|c\d|order|all|every|them|him|her)|"
        r"pay (?:the |this |that |out|him|her|them)|post (?:a |an |this|that|it|the|to|on)|"
        r"publish |deploy |launch |pause |unpause |block |ban |fire |hire |invite |tweet |"
        # "load that into Assembled", "paste this table into the Feishu doc", "record one
        # and send it to her": work in other tools.
        r"(?:load|paste|import|upload|push|copy) (?:that|this|it|these|those|the \S+)(?: \S+)? "
        r"(?:in|into|to) |record (?:one|a|it|this|that|the)\b|"
        # "ship a bigger button to tablet users", "log a note on his profile", "bump C552907 up
        # to Platinum", "change the mapping so …": changes made in other systems.
        r"ship (?:a |an |the |it |this |that )|log (?:a |an |the |it |this |that )|"
        r"bump (?:c\d|their|our|the|his|her|them)|upgrade |downgrade |"
        r"(?:change|update|fix|edit) (?:the |our |your )?(?:\S+ )?(?:mapping|config|configuration)|"
        r"archive |unarchive |mute (?!me\b)|merge |dedupe |de ?duplicate |"
        r"reply to |dm |message (?:this|that|it|him|her|them)|forward |ping (?!me\b)|"
        r"switch (?:off|on) |turn on |take down |put up |add me to\b|"
        r"(?:tag|label|flag|mark|assign|reassign|move|enrol+|enroll) (?:each|all|every|them|these|those|"
        r"him|her|it|this|that|c\d+)\b|"
        r"schedule (?:this|it|that|them|these|those) |(?:dump|export|download|extract) |"
        r"share (?:this|that|it) (?:with|to)|"
        r"(?:raise|lower|cut|drop|change|update|set) (?:the |our |all )?prices?|"
        # "raise the free-shipping threshold", "tell the agency to move 10% of the budget":
        # changing the shop's settings or instructing someone is not an analysis.
        r"(?:raise|lower|increase|decrease|reduce|bump|adjust|extend|change|update|set) "
        r"(?:the|our|all) (?:\S+ ){0,3}?(?:thresholds?|limits?|prices?|budgets?|bids?|caps?|"
        r"settings?|rules?|minimums?|rates?)\b|"
        r"tell (?:the |our |my )?\w+ (?:\w+ )?to |(?:move|shift|reallocate) (?:\d+ ?%?|the|our|some|more) |"
        # "drop the customers table": a change to the warehouse, never an analysis.
        r"(?:drop|truncate|delete|alter|rename|empty) (?:the |our |this |that |a )?(?:\w+ )?"
        r"(?:tables?|database|db|schema|columns?|rows)\b|"
        r"create (?:a |an )?(?:ticket|jira|issue|task|campaign|coupon|discount|dashboard|account|user)|"
        r"open (?:a |an )?(?:ticket|jira|issue|pr)|file (?:a |an )?(?:ticket|bug|report)|"
        r"raise (?:a |an )?(?:jira|ticket|bug|issue)|"
        r"add (?:\w+ )?to (?:the )?(?:list|channel|blocklist|allowlist)|remove (?:\w+ )?from|"
        r"unsubscribe |subscribe (?!me)|reset (?:my |the )?password|give (?:me )?(?:access|admin)|"
        # "paste that into the run-of-show doc", "build me a UTM link", "override next week's
        # forecast in the planning tool": work done in other tools.
        r"paste (?:that|this|it|them|these) (?:in|into|to)\b|build (?:me )?(?:a |an )?(?:\S+ ){0,2}?links?\b|"
        r"override (?:\S+ ){0,4}?(?:forecasts?|plans?|budgets?|prices?)\b)"
    ),
    # Asking Scout to write or fix something: out of scope even when it names a metric.
    "off_task": _P(
        # Jokes, poems and the like are never an analysis, whatever metric they are about.
        r"\b(?:jokes?|poems?|haikus?|limericks?|riddles?|lyrics|puns?|knock knock|"
        r"translate|translation)\b|"
        r"\btell (?:me |us )?(?:a |an )?(?:\w+ )?(?:story|fairy tale|fable)\b|"
        # "write me a dbt model that …": Scout answers, it does not write things to order
        # (a summary is the digest's to give).
        r"\bwrite (?:me |us )?(?:a|an|some|two|three|four|five|\d+|new|a few) "
        r"(?!(?:\S+ ){0,2}?(?:summary|recap|overview|update|digest|rundown))|"
        r"\bdraw up\b|"
        # "generate a fake version of our orders data": made-up data is not an analysis.
        r"\b(?:generate|create|make|build) (?:me |us )?(?:a |an |some )?(?:\S+ )?"
        r"(?:fake|synthetic|dummy|mock)\b|"
        r"\bturn (?:this|it|that) into (?:a |an )?(?:\w+ )?(?:graphic|image|post|story|slide|"
        r"video|gif|meme)s?\b|"
        r"\b(?:subject line|headline|tagline|slogan|caption|name)s? ideas\b|"
        r"\b(?:write|draft) (?:the|our|my) (?:subject lines?|(?:body )?copy|email|emails|"
        r"headlines?|posts?|tweets?|captions?)\b|"
        r"\b(?:draft|compose) (?:me |us )?(?:a|an) |"
        r"\b(?:write|compose|draft|generate|debug|fix|review) (?:me |us )?(?:a |an |the |this |my |some )?"
        r"(?:poem|story|song|haiku|limerick|essay|letter|cover letter|sql|query|script|program|"
        r"code|function|regex|bug|error|joke|tweet|press release|python|javascript)\b"
    ),
    # "did Black Friday beat last year's?": a period judged against another as a whole;
    # read unmasked, since the date phrase "beat last year's" swallows the verb.
    "beat": _P(
        r"\b(?:beat|beats|outperform(?:s|ed)?|outdo|outdid|exceed(?:s|ed)?|surpass(?:es|ed)?|"
        r"outsold|outsells?|outselling|"
        r"(?:do|did|does) better than|(?:do|did|does) worse than)\b"
    ),
    # "who are our most loyal customers?": asking who belongs to a customer group. "loyal" is
    # also a value (returning customers), so it is masked in the other families.
    "segment_plain": _P(
        r"\b(?:who are|whos|which (?:customers|buyers|shoppers|users|ones|people) are)"
        r"(?: \w+){0,3}? (?:loyal\w*|(?:most|least) (?:valuable|engaged))\b"
        # "find our best customers": the group the segmentation names.
        r"|\b(?:our|the|my) (?:best|top spending|most loyal) (?:\S+ ){0,2}?"
        r"(?:customers|buyers|shoppers|clients)\b"
        # "TOP 20 CUSTOMERS IN CALIFORNIA": a list of people, as no split of a metric is.
        r"|\btop (?:\d+|ten|twenty|fifty|hundred) (?:customers|buyers|shoppers|clients|spenders)\b"
    ),
    # Marketing measures the warehouse does not hold (no ad spend, impressions or surveys):
    # asked for, they are out of scope, never the nearest metric.
    "unmeasured": _P(
        r"\b(?:roas|return on ad spend|cac|cpa|cpc|cpm|ctr|click ?through(?: rate)?|impressions|"
        r"ad spend|cost per (?:click|acquisition|lead|install)|nps|net promoter|"
        r"bounce rate|open rates?|click rates?|unsubscribe rate|gross margin|margins?|"
        r"profit(?:s|ability)?|cogs|cost of goods|page load|load times?|site speed|latency|"
        r"uptime|core web vitals|days (?:from order )?to ship|ship(?:ping)? times?|"
        r"fulfil+ment times?|delivery times?|lead times?|distribution cent(?:er|re)|dc|"
        r"footfall|foot traffic|walk ?ins|store visits|in store|brick and mortar|"
        r"sell ?through|sell thru|weeks of (?:supply|cover)|wos|open to buy|otb|"
        r"csat|customer satisfaction(?: score)?|satisfaction scores?|survey scores?)\b"
    ),
    # "the demand forecast vs actuals": the forecast's error, whatever else is compared.
    "actuals": _P(
        r"\b(?:forecasts?|forecasted|predictions?|projections?)(?: \S+){0,3}? "
        r"(?:vs|versus|against|compared (?:to|with)|and) (?:the )?actuals?\b"
        # "the toy forecast vs what actually sold", "how far it was from the reality", "how
        # precise was the forecast", "over- or under-calling": the forecast held to what sold.
        r"|\b(?:forecasts?|fcst) (?:\S+ ){0,3}?(?:vs|versus|against|compared (?:to|with)) what "
        r"(?:\S+ )?(?:sold|happened|we sold|came in)\b"
        r"|\bhow far (?:\S+ ){0,2}?from (?:the )?(?:reality|actuals?|what (?:\S+ )?sold)\b"
        r"|\bhow (?:precise|accurate|exact|good) (?:was|is|has been|were) (?:the |our )?(?:\S+ )?"
        r"(?:forecasts?|fcst|predictions?)\b"
        r"|\b(?:over|under) (?:or (?:over|under) )?(?:calling|calls|called|shooting)\b"
    ),
    # Subjects outside an e-commerce team's numbers: answered with what Scout can do instead.
    "off_topic": _P(
        r"\b(?:weather|rain|raining|snow|snowing|temperature outside|jokes?|poems?|"
        r"haiku|limerick|songs?|lyrics|recipes?|cook(?:ing)?|movies?|films?|netflix|"
        r"horoscope|meaning of life|vacation|pto|time off|sick (?:day|leave)|payroll|"
        r"salary|salaries|paycheck|payslip|401k|pension|health insurance|dental|"
        r"benefits enrollment|hr (?:policy|team|department|question)|human resources|expense report|"
        r"parking|wifi|"
        r"password|printer|laptop|vpn|lunch|dinner|restaurant|coffee machine|flights?(?! risks?\b)|"
        r"hotels?|capital of|who won|world cup|super bowl|nba|nfl|premier league|"
        r"stock price|share price|bitcoin|crypto|translate|translation|"
        r"stock (?:is )?doing|stock market|nasdaq|dow jones|"
        r"renovation|office|meeting rooms?|parking|\d+(?:st|nd|rd|th) floor|"
        r"trains? (?:from|to)|(?:best|next|cheapest|fastest) trains?|"
        r"python|javascript|typescript|java|regex|regular expression|coding|(?:my|this|the|source) code|"
        r"pandas|dataframes?|groupby|numpy|jupyter|notebook|nan|null pointer|segfault|"
        r"bug in|stack ?trace|compile|compiler|git|github|docker|kubernetes|"
        r"excel formula|vlookup|pivot table|spreadsheet formula|essay|cover letter|"
        r"birthday|anniversary|org chart|who is the ceo|president|election|"
        r"what time is it|time zone|timezone|dentist|doctor|gym|workout plan|"
        # A body's numbers: "how many steps I did yesterday".
        r"commute|(?:how many|my) steps|step count|fitness (?:watch|tracker)|smart ?watch|"
        r"who (?:owns|built|made|maintains|created) (?:the|this|that|our)|"
        r"(?:pin|move) (?:this|it|that) to|"
        r"(?:make|set) (?:it|this|that) (?:as )?(?:the |my |our )?default|"
        r"tell me about yourself|are you (?:alive|human|sentient|conscious)|"
        r"write (?:me )?(?:a |an )?(?:story|poem|song|essay|email|letter|script|program))\b"
    ),
}


GRAINS: tuple[tuple[re.Pattern[str], Grain], ...] = (
    (
        _P(
            rf"\b(?:daily{_NOT_A_REPORT}|by day|per day|each day|every day of|day (?:by|after) day|by date|"
            r"(?:day|date) ?wise)\b"
        ),
        "day",
    ),
    (
        _P(
            rf"\b(?:weekly{_NOT_A_REPORT}|by week|per week|each week|week (?:by|after) week|"
            r"week for week|wow|week on week|week ?wise)\b"
        ),
        "week",
    ),
    (
        _P(
            rf"\b(?:monthly{_NOT_A_REPORT}|by month|per month|each month|month (?:by|after) month|"
            r"month for month|month ?wise)\b"
        ),
        "month",
    ),
)

# Words before a dimension that make it the grouping: "by region", "which channel".
GROUP_BEFORE = frozenset(
    [
        "by",
        "per",
        "across",
        "each",
        "every",
        "which",
        "what",
        "top",
        "bottom",
        "best",
        "worst",
        "all",
        "different",
        "among",
        "biggest",
        "highest",
        "lowest",
        "most",
        "least",
        "individual",
        "any",
        "single",
    ]
)
GROUP_AFTER = frozenset(["breakdown", "split", "mix", "level", "wise", "by"])


@dataclass(frozen=True, kw_only=True)
class Cues:
    """Which cue families the text shows."""

    found: frozenset[str]
    grain: Grain | None

    def has(self, *names: str) -> bool:
        return any(n in self.found for n in names)


_BREAK_X_DOWN = _P(r"\b(?P<verb>break|boil) (?P<x>(?:\S+ ){1,6}?)down\b")
# "one line for the BTS wrap-up", "backpacks roll up to apparel": the report a figure goes
# into, and a product hierarchy, not a request for a recap.
_NOT_A_RECAP = _P(
    r"\b(?:for|in|into) (?:the|my|our|a|this|tomorrows?|todays?|fridays?) (?:\S+ ){0,2}?"
    r"(?:wrap ?up|roll ?up|close ?out|(?:daily|weekly|morning) (?:report|summary)|kpi report)\b"
    # "yesterday's order count for the daily MIS": what the figure is for.
    r"|\brolls? ?up (?:to|under|into)\b|\bclose ?out q\b"
)


def find_cues(masked: str, plain: str = "") -> Cues:
    """Cue families present in text whose metric and date phrases are already masked; the
    plain families are looked for in the unmasked text."""
    # "break return rate down by region": the split, not a move "down"; "boil the weekend
    # down to 3 lines": a recap.
    masked = _BREAK_X_DOWN.sub(r"\g<verb> down \g<x>", masked)
    masked = _NOT_A_RECAP.sub("for the report", masked)
    found = {name for name, rx in CUES.items() if rx.search(masked)}
    found |= {name for name, rx in PLAIN_CUES.items() if rx.search(plain)}
    grain = next((g for rx, g in GRAINS if rx.search(masked)), None)
    if grain is None and (step := _STEP_TREND.search(plain)) is not None:
        grain = "month" if step["step"] == "mom" else "week"
    return Cues(found=frozenset(found), grain=grain)


# "MoM trend of 3C units": the step of the change names the trend's grain (the date rules
# read "MoM" as a baseline and mask it).
_STEP_TREND = _P(r"\b(?P<step>mom|wow) (?:trend|trends|chart|series|view)\b")


@dataclass(frozen=True, kw_only=True)
class Slots:
    """What the text names, independent of intent."""

    metric: str | None
    has_filters: bool
    has_compare: bool
    has_group: bool
    has_window: bool
    has_time_baseline: bool
    customer_id: str | None
    forecast_metric: bool


def decide(cues: Cues, slots: Slots) -> tuple[Intent | None, bool]:
    """The intent and whether a cue stated it (False: inferred from what was named).

    None means nothing recognisable: the caller turns it into unknown (or a follow-up).
    """
    why = cues.has("why") or (cues.has("move") and not cues.has("wanted"))
    if (cues.has("action") and not cues.has("can_or_only")) or (
        # "what time zone do you cut days in?" asks how Scout counts, not the time.
        cues.has("off_topic")
        and slots.metric is None
        and not cues.has("digest_strong", "definition")
    ):
        return None, True
    if cues.has("thanks_only") and slots.metric is None and not slots.customer_id:
        return Intent.HELP, True
    if cues.has("definition", "can_or_only") or (
        cues.has("capability") and not (slots.metric or slots.has_filters or slots.has_group)
    ):
        # "can you do cohort retention curves, or only churn risk?": a question about Scout.
        return Intent.HELP, True
    if cues.has("one_and_done"):
        return Intent.CHURN, True
    segment = cues.has("segment", "segment_plain")
    if (cues.has("two_groups") and segment and not why) or cues.has("segment_lead"):
        return Intent.SEGMENT, True
    if (
        cues.grain
        and slots.metric
        and not (slots.customer_id or slots.has_group)
        and not cues.has("why", "breakdown", "compare", "detect")
    ):
        # "daily orders … the dip from Saturday's outage", "monthly new customers: is
        # retention picking up?": a series asked for by its grain.
        return Intent.TREND, True
    if cues.has("churn") and slots.metric and slots.has_time_baseline and not slots.customer_id:
        # "retention check: returning customers last month vs September": two periods.
        return Intent.COMPARE, True
    if cues.has("churn") or (slots.customer_id and not why):
        return Intent.CHURN, True
    if segment and not (why and slots.metric):
        return Intent.SEGMENT, True
    if cues.has("digest_strong"):
        return Intent.DIGEST, True
    forecast = slots.forecast_metric or (slots.metric is None and cues.has("forecast_words"))
    if cues.has("actuals"):
        return Intent.FORECAST_CHECK, True
    if (
        forecast
        # "how far off was the forecast in Q2 against Q1?": the forecast's error, period
        # against period, is the check itself.
        and not cues.has("trend", "breakdown")
        and not (
            cues.has("compare") and not (cues.has("forecast_doubt") and slots.has_time_baseline)
        )
        and not slots.has_group
        and (why or cues.has("investigate", "forecast_doubt") or slots.forecast_metric)
    ):
        return Intent.FORECAST_CHECK, True
    if cues.has("detect") and not cues.has("why"):
        return Intent.DETECT, True
    if (
        cues.has("verify")
        and not cues.has("why")
        and (slots.has_time_baseline or slots.has_compare)
    ):
        # "Q3 revenue up 6.1% on Q2: can you confirm?": the two periods side by side.
        return Intent.COMPARE, True
    if cues.has("direction") and not cues.has("why"):
        # "up or down vs the same time last year?" sets two periods side by side.
        return (Intent.COMPARE if slots.has_time_baseline else Intent.TREND), True
    if why:
        return Intent.EXPLAIN, True
    if cues.has("trend") or (cues.grain and not slots.has_group):
        return Intent.TREND, True
    if cues.has("visual") and not slots.has_group and not slots.has_compare:
        return Intent.TREND, True
    if (
        cues.has("beat")
        and slots.has_time_baseline
        and slots.metric is None
        and not (slots.has_compare or slots.has_group)
    ):
        # No metric to compare: the periods' scorecards side by side answer it.
        return Intent.DIGEST, True
    if slots.has_group and slots.has_time_baseline and not slots.has_compare:
        # "orders by region vs Q2": the split, each part against its own earlier period.
        return Intent.BREAKDOWN, True
    if slots.has_compare or slots.has_time_baseline:
        return Intent.COMPARE, True
    if slots.has_group or cues.has("breakdown"):
        return Intent.BREAKDOWN, True
    if cues.has("investigate") and slots.metric:
        return Intent.EXPLAIN, True
    if cues.has("digest") and slots.metric is None:
        return Intent.DIGEST, True
    if cues.has("compare"):
        return Intent.COMPARE, True
    if slots.metric:
        # "sales any good lately?": how it has been going, day by day.
        if cues.has("lately"):
            return Intent.TREND, True
        return Intent.LOOKUP, cues.has("status")
    if cues.has("help", "greeting"):
        return Intent.HELP, True
    if cues.has("investigate"):
        return Intent.EXPLAIN, True
    return None, False


# Words for groups the customer segmentation itself finds (its RFM segment names): in a
# segmentation request they say which group is wanted, not which customers to filter on.
SEGMENT_GROUP_WORDS = _P(r"\b(?:loyal\w*|champions?|hibernating|at risk|vips?|whales?)\b")

NEEDS_METRIC = frozenset(
    {Intent.LOOKUP, Intent.TREND, Intent.BREAKDOWN, Intent.COMPARE, Intent.EXPLAIN}
)


# "How is X doing?" asks for a scorecard of X: X must be something of the shop's. The shape
# shows what the layer recognised as placeholders ("how are _value_ holding up").
_HOW_IS_X = _P(rf"^(?:so |and |ok |hey )?{_HOW_IS} (?P<subject>(?:\S+ ){{1,4}}?){_DOING}\b")
_SHOP_SUBJECTS = frozenset(
    [
        "we",
        "us",
        "things",
        "business",
        "everything",
        "it",
        "store",
        "shop",
        "company",
        "sales",
        "numbers",
        "site",
        "website",
        "overall",
        "today",
        "yesterday",
    ]
)
_ARTICLES = frozenset(["the", "our", "my", "a", "an"])


def unknown_subject(shape: str) -> str | None:
    """The words of "how is <X> doing?" when none of them is the shop's ("the new intern");
    None when X is recognised or is the business itself."""
    found = _HOW_IS_X.match(shape)
    if found is None:
        return None
    words = [w for w in found["subject"].split() if w not in _ARTICLES]
    if not words or any(w.startswith("_") for w in words) or set(words) <= _SHOP_SUBJECTS:
        return None
    return " ".join(words)
